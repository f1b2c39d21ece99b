export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open the first time; doubled on each failed probe. */
  openMs: number;
  /** The longest it stays open between two probes. */
  maxOpenMs: number;
  /** Tried in the background once the open interval is over: resolves when the service is back. */
  probe: () => Promise<unknown>;
  onChange?: (state: CircuitState, openMs: number) => void;
}

/**
 * Stops asking a service that keeps timing out. Closed: every call goes through and failures in
 * a row are counted. Open: no call goes through (callers apply their fallback at once) until the
 * interval is over; then one probe runs in the background (half-open) while calls still do not
 * wait. A good probe, or any success, closes it; a failed probe opens it again for twice as long.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private interval: number;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.interval = options.openMs;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** How long the circuit stays open next time it opens (or now, while open). */
  get openMs(): number {
    return this.interval;
  }

  /** Whether a call may go to the service now. */
  allows(): boolean {
    return this.current === 'closed';
  }

  success(): void {
    this.failures = 0;
    if (this.current === 'closed') return;
    this.clearTimer();
    this.interval = this.options.openMs;
    this.set('closed');
  }

  failure(): void {
    if (this.current !== 'closed') return;
    this.failures++;
    if (this.failures >= this.options.failureThreshold) this.open();
  }

  /** No more probes (shutdown). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private open(): void {
    this.set('open');
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runProbe(), this.interval);
    this.timer.unref();
  }

  private runProbe(): void {
    this.timer = undefined;
    if (this.stopped || this.current !== 'open') return;
    this.set('half-open');
    this.options.probe().then(
      () => this.success(),
      () => {
        if (this.current !== 'half-open') return;
        this.interval = Math.min(this.interval * 2, this.options.maxOpenMs);
        this.open();
      },
    );
  }

  private set(state: CircuitState): void {
    this.current = state;
    this.options.onChange?.(state, this.interval);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
