import { QueryFailedError } from 'typeorm';
import { DatabaseTimeoutError, databaseUnavailable, isDatabaseUnavailable, isUniqueViolation } from './database-errors';

/** An error as pg or Node raise it: a message and, usually, a code. */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

const failedQuery = (driver: Error) => new QueryFailedError('SELECT 1', [], driver);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', driverError('read ECONNRESET', 'ECONNRESET')],
    ['connect timed out', driverError('connect ETIMEDOUT 10.0.0.5:5432', 'ETIMEDOUT')],
    ['unknown host', driverError('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    ['connection terminated', driverError('Connection terminated unexpectedly')],
    ['connection terminated by a connect timeout', driverError('Connection terminated due to connection timeout')],
    ['pool wait timed out', driverError('timeout exceeded when trying to connect')],
    ['query read timeout', driverError('Query read timeout')],
    ['a look-up that gave up', new DatabaseTimeoutError(3000)],
    ['admin shutdown (57P01)', failedQuery(driverError('terminating connection due to administrator command', '57P01'))],
    ['crash shutdown (57P02)', failedQuery(driverError('terminating connection because of crash of another server process', '57P02'))],
    ['cannot connect now (57P03)', driverError('the database system is starting up', '57P03')],
    ['statement timeout (57014)', failedQuery(driverError('canceling statement due to statement timeout', '57014'))],
    ['too many connections (53300)', driverError('sorry, too many clients already', '53300')],
    ['disk full (53100)', failedQuery(driverError('could not extend file', '53100'))],
    ['connection failure (08006)', failedQuery(driverError('connection failure', '08006'))],
    ['a terminated connection inside a QueryFailedError', failedQuery(driverError('Connection terminated unexpectedly'))],
    ['both addresses of a name refused', new AggregateError([driverError('a', 'ECONNREFUSED'), driverError('b', 'ECONNREFUSED')])],
    ['a cause', new Error('wrapped', { cause: driverError('connect ECONNREFUSED', 'ECONNREFUSED') })],
  ])('counts %s as an outage', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', failedQuery(driverError('duplicate key value', '23505'))],
    ['a syntax error', failedQuery(driverError('syntax error at or near', '42601'))],
    ['an invalid uuid', failedQuery(driverError('invalid input syntax for type uuid', '22P02'))],
    ['a bad password (28P01)', driverError('password authentication failed', '28P01')],
    ['a plain error that mentions a refused connection', new Error('connection to 10.0.0.5 refused')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('does not count %s as an outage', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('leaves unique violations to isUniqueViolation', () => {
    expect(isUniqueViolation(failedQuery(driverError('duplicate key value', '23505')))).toBe(true);
  });
});

describe('databaseUnavailable', () => {
  it('is the contract 503 with Retry-After', () => {
    const error = databaseUnavailable();
    expect(error.getStatus()).toBe(503);
    expect(error.code).toBe('service_unavailable');
    expect(Number(error.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(error.extra).toEqual({ retryAfter: Number(error.headers?.['Retry-After']) });
  });
});
