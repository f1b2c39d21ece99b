import { ConfigError } from './config-error';
import { parseDuration } from './duration';
import { RateSetting, parseRate } from './parsers';

export type Env = Record<string, string | undefined>;

/**
 * Reads variables for every configuration slice and collects what is wrong with them instead of
 * throwing, so one start-up names every bad variable; `assertValid` then refuses them all at once.
 * A bad value reads as its default, so a slice can go on and report the rest.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** Records a problem; it starts with the variable's name (`NAME: must be ...`). */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one ConfigError listing every problem recorded so far. */
  assertValid(): void {
    if (this.problems.length > 0) throw new ConfigError([...this.problems]);
  }

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problem(`${name}: must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problem(`${name}: must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problem(`${name}: must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  /** `100` (per minute), or `100/1m`, `5/1s`, `10000/1d`. */
  rate(name: string, fallback: string): RateSetting {
    const raw = this.optional(name) ?? fallback;
    const rate = parseRate(raw);
    if (rate === undefined) {
      this.problem(`${name}: must be requests per window such as 100/1m, 5/1s or 1000 (per minute) (got "${raw}")`);
      return parseRate(fallback) as RateSetting;
    }
    return rate;
  }

  duration(name: string, fallback: string, minSeconds: number, maxSeconds: number): number {
    const raw = this.optional(name) ?? fallback;
    const seconds = parseDuration(raw);
    if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
      this.problem(`${name}: must be a duration such as 900, 15m, 1h or 7d between ${minSeconds}s and ${maxSeconds}s (got "${raw}")`);
      return parseDuration(fallback) as number;
    }
    return seconds;
  }
}
