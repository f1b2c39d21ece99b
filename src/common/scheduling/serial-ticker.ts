/**
 * Runs a periodic pass in this instance, one at a time: a tick while a pass runs shares that pass
 * instead of starting a second. A failed pass is reported to `recover`, whose value it resolves
 * to, so the timer keeps going. (Across instances, the pass itself must take a database lock.)
 */
export class SerialTicker<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T>;

  constructor(
    private readonly pass: () => Promise<T>,
    private readonly recover: (error: Error) => T,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  tick(): Promise<T> {
    if (!this.running) {
      this.running = this.pass()
        .catch((error: Error) => this.recover(error))
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }
}
