import { CircuitBreaker, CircuitState } from './circuit-breaker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A probe whose answers the test decides, counting how often it ran. */
function probeOf(answers: boolean[]): { probe: () => Promise<void>; runs: () => number } {
  let runs = 0;
  return {
    probe: () => {
      const ok = answers[Math.min(runs, answers.length - 1)];
      runs++;
      return ok ? Promise.resolve() : Promise.reject(new Error('still down'));
    },
    runs: () => runs,
  };
}

describe('CircuitBreaker', () => {
  let breaker: CircuitBreaker;
  afterEach(() => breaker.stop());

  it('stays closed below the threshold, and a success resets the count of failures in a row', () => {
    breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 8000, probe: probeOf([true]).probe });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.allows()).toBe(true);
  });

  it('opens after the threshold of failures in a row and then refuses calls at once', () => {
    breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 8000, probe: probeOf([true]).probe });
    for (let i = 0; i < 3; i++) breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allows()).toBe(false);
  });

  it('probes in the background once the interval is over (calls still refused meanwhile), and closes on a good probe', async () => {
    const probe = probeOf([true]);
    const states: CircuitState[] = [];
    breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 30, maxOpenMs: 200, probe: probe.probe, onChange: (s) => states.push(s) });
    breaker.failure();
    breaker.failure();
    await sleep(10);
    expect(probe.runs()).toBe(0);
    expect(breaker.allows()).toBe(false);
    await sleep(60);
    expect(probe.runs()).toBe(1);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(breaker.allows()).toBe(true);
  });

  it('a failed probe opens it again for a growing interval, capped, until a probe succeeds; then it starts over', async () => {
    const probe = probeOf([false, false, false, true]);
    const opened: number[] = [];
    breaker = new CircuitBreaker({
      failureThreshold: 1,
      openMs: 20,
      maxOpenMs: 60,
      probe: probe.probe,
      onChange: (state, openMs) => state === 'open' && opened.push(openMs),
    });
    breaker.failure();
    const deadline = Date.now() + 2000;
    while (breaker.state !== 'closed' && Date.now() < deadline) await sleep(5);
    expect(breaker.state).toBe('closed');
    expect(probe.runs()).toBe(4);
    expect(opened).toEqual([20, 40, 60, 60]);
    expect(breaker.openMs).toBe(20);
  });

  it('closes at once on a success reported while open (the service answered another way)', () => {
    breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10_000, maxOpenMs: 10_000, probe: probeOf([false]).probe });
    breaker.failure();
    expect(breaker.allows()).toBe(false);
    breaker.success();
    expect(breaker.allows()).toBe(true);
  });

  it('probes no more once stopped', async () => {
    const probe = probeOf([false]);
    breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10, maxOpenMs: 10, probe: probe.probe });
    breaker.failure();
    breaker.stop();
    await sleep(40);
    expect(probe.runs()).toBe(0);
  });
});
