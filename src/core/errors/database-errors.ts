import { HttpStatus } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppException } from './app.exception';
import { ErrorCode } from './error-codes';

const UNIQUE_VIOLATION = '23505';

/** True when a query failed on a unique constraint (a concurrent or repeated insert). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === UNIQUE_VIOLATION;
}

/** Socket errors of a server that is down, unreachable or not answering. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of the server rather than the query: 08 connection exceptions, 53 insufficient
 * resources (too many connections, out of memory or disk), 57P01-57P05 (admin or crash shutdown,
 * cannot connect now, idle session timeout), and 57014 (a statement timeout cancelled the query).
 */
const SERVER_STATE = /^(08...|53...|57P0[1-5]|57014)$/;

/** What pg and pg-pool raise, without a code, when a connection cannot be had or is lost. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed and is not queryable)/;

/** Raised by the callers that bound their own wait for the database (authentication look-ups). */
export class DatabaseTimeoutError extends Error {
  constructor(ms: number) {
    super(`The database did not answer within ${ms} ms`);
    this.name = 'DatabaseTimeoutError';
  }
}

/**
 * True when `error` says the database cannot be reached or cannot serve right now (an
 * infrastructure failure), as opposed to a query it refused. The one place that tells the two
 * apart: authentication answers 503 for these, never 401, and the filter renders them as 503.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  if (error instanceof DatabaseTimeoutError) return true;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_STATE.test(code))) return true;
  if (error instanceof Error && typeof message === 'string' && !(error instanceof QueryFailedError) && DRIVER_MESSAGES.test(message)) {
    return true;
  }
  // A QueryFailedError wraps the driver's error; a failed connect to a name with two addresses is an AggregateError.
  if (error instanceof QueryFailedError) return isDatabaseUnavailable(error.driverError, depth + 1);
  if (error instanceof AggregateError) return error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
  return 'cause' in error && isDatabaseUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** How long a client is told to wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The contract's 503 for an unreachable database, with `Retry-After`. */
export function databaseUnavailable(): AppException {
  return new AppException(
    HttpStatus.SERVICE_UNAVAILABLE,
    ErrorCode.ServiceUnavailable,
    'The service is temporarily unavailable; try again shortly',
    undefined,
    { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    { retryAfter: DATABASE_RETRY_AFTER_SECONDS },
  );
}
