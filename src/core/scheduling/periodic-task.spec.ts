import { PeriodicTask } from './periodic-task';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets promise callbacks queued so far run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('never overlaps passes: a tick while one runs shares it', async () => {
    const gate = deferred<number>();
    const pass = jest.fn(() => gate.promise);
    const task = new PeriodicTask(pass, () => -1);
    const first = task.tick();
    const second = task.tick();
    await settle();
    expect(pass).toHaveBeenCalledTimes(1);
    gate.resolve(7);
    await expect(first).resolves.toBe(7);
    await expect(second).resolves.toBe(7);

    pass.mockImplementation(async () => 8);
    await expect(task.tick()).resolves.toBe(8);
    expect(pass).toHaveBeenCalledTimes(2);
  });

  it('runs on the interval, skipping ticks while a slow pass runs', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick'] });
    const gate = deferred<void>();
    const pass = jest.fn(() => gate.promise);
    const task = new PeriodicTask(pass, () => undefined);
    task.start(100);
    jest.advanceTimersByTime(99);
    await settle();
    expect(pass).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    await settle();
    expect(pass).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(500);
    await settle();
    expect(pass).toHaveBeenCalledTimes(1);
    gate.resolve();
    await settle();
    jest.advanceTimersByTime(100);
    await settle();
    expect(pass).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it('does not keep the process alive (the timer is unref-ed)', async () => {
    const task = new PeriodicTask(
      async () => undefined,
      () => undefined,
    );
    const spy = jest.spyOn(global, 'setInterval');
    task.start(60_000);
    const timer = spy.mock.results[0].value as NodeJS.Timeout;
    spy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    await task.stop();
  });

  it('hands a failure (thrown or rejected) to recover and keeps going', async () => {
    const recover = jest.fn((error: Error) => `recovered: ${error.message}`);
    const task = new PeriodicTask<string>(() => Promise.reject(new Error('db down')), recover);
    await expect(task.tick()).resolves.toBe('recovered: db down');
    const throwing = new PeriodicTask<string>(() => {
      throw new Error('sync');
    }, recover);
    await expect(throwing.tick()).resolves.toBe('recovered: sync');
    expect(recover).toHaveBeenCalledTimes(2);
  });

  it('stop() ends the timer and waits for the pass under way', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick'] });
    const gate = deferred<void>();
    const pass = jest.fn(() => gate.promise);
    const task = new PeriodicTask(pass, () => undefined);
    task.start(100);
    jest.advanceTimersByTime(100);
    await settle();
    expect(pass).toHaveBeenCalledTimes(1);

    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);

    jest.advanceTimersByTime(1000);
    await settle();
    expect(pass).toHaveBeenCalledTimes(1);
  });
});
