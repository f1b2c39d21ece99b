import { DatabaseTimeoutError, isDatabaseUnavailable } from '../errors/database-errors';
import type { StaleIfError } from './ttl-cache';

/**
 * How long an authentication look-up (a key, a user, a membership) may wait for the database. A
 * server that accepts connections but does not answer (frozen, overloaded, a black-holed network)
 * then fails like one that is down, instead of holding requests indefinitely.
 */
export const AUTH_LOOKUP_TIMEOUT_MS = 3000;

/**
 * The caches of what authentication checks: while the database is unreachable, a value verified
 * within the last `graceSeconds` keeps being served (API_KEY_STALE_GRACE_SECONDS); any other
 * failure, or an older value, fails the request (503 for an outage).
 */
export function staleIfDatabaseDown(graceSeconds: number): StaleIfError {
  return {
    maxAgeMs: graceSeconds * 1000,
    serveStaleOn: isDatabaseUnavailable,
    loadTimeoutMs: AUTH_LOOKUP_TIMEOUT_MS,
    timeoutError: (ms) => new DatabaseTimeoutError(ms),
  };
}
