/**
 * The one way Argus runs periodic work in an instance: a pass every interval on an unref'd timer
 * (it never keeps the process alive), one pass at a time (a tick while a pass runs shares that
 * pass instead of starting a second), and a failed pass is handed to `recover` (which logs it),
 * whose value it resolves to, so the timer keeps going and nothing is thrown. `stop()` ends the
 * timer and waits for the pass under way. (Across instances, the pass itself must take a lock.)
 */
export class PeriodicTask<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T>;

  constructor(
    private readonly pass: () => Promise<T>,
    private readonly recover: (error: Error) => T,
  ) {}

  start(intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a pass now, or shares the one under way. Never rejects. */
  tick(): Promise<T> {
    if (!this.running) {
      this.running = Promise.resolve()
        .then(() => this.pass())
        .catch((error: unknown) => this.recover(error instanceof Error ? error : new Error(String(error))))
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }
}
