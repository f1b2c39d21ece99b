import {
  ArgumentsHost,
  BadRequestException,
  HttpStatus,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter, ErrorBody } from './all-exceptions.filter';
import { AppException, conflict, validationFailed } from './app.exception';
import { ErrorCode } from './error-codes';

/** Records what the filter does to the reply; every method chains like Fastify's. */
class FakeReply {
  statusCode?: number;
  body?: ErrorBody;
  sendCount = 0;
  readonly headers: Record<string, string> = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  send(body: ErrorBody): this {
    this.body = body;
    this.sendCount++;
    return this;
  }
}

function hostFor(reply: FakeReply, requestId = 'req-1'): ArgumentsHost {
  const http = { getRequest: () => ({ id: requestId }), getResponse: () => reply, getNext: () => undefined };
  return { switchToHttp: () => http } as unknown as ArgumentsHost;
}

function render(exception: unknown): FakeReply {
  const reply = new FakeReply();
  new AllExceptionsFilter().catch(exception, hostFor(reply));
  expect(reply.sendCount).toBe(1);
  return reply;
}

const INTERNAL = { success: false, error: 'Internal server error', code: 'internal_error', requestId: 'req-1' };

describe('AllExceptionsFilter', () => {
  let logError: jest.SpyInstance;

  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('renders an AppException with its status, code, message, details and the request id', () => {
    const reply = render(validationFailed([{ field: 'email', messages: ['email must be a valid email address'] }]));
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toEqual({
      success: false,
      error: 'Validation failed',
      code: 'validation_failed',
      requestId: 'req-1',
      details: [{ field: 'email', messages: ['email must be a valid email address'] }],
    });
    expect(logError).not.toHaveBeenCalled();
  });

  it('omits details when an AppException has none', () => {
    const reply = render(conflict('An account with this email already exists'));
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toEqual({
      success: false,
      error: 'An account with this email already exists',
      code: 'conflict',
      requestId: 'req-1',
    });
    expect(reply.body).not.toHaveProperty('details');
  });

  it('sends the headers an AppException carries', () => {
    const exception = new AppException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RateLimitExceeded, 'Slow down', undefined, {
      'Retry-After': '30',
    });
    const reply = render(exception);
    expect(reply.statusCode).toBe(429);
    expect(reply.headers['Retry-After']).toBe('30');
    expect(reply.body?.code).toBe('rate_limit_exceeded');
  });

  it('hides the SQL, parameters and driver message of a database error', () => {
    const exception = new QueryFailedError(
      'SELECT secret FROM users WHERE x = $1',
      ['hash-value'],
      new Error('duplicate key value violates unique constraint'),
    );
    const reply = render(exception);
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual(INTERNAL);
    const serialized = JSON.stringify(reply.body);
    for (const leak of ['SELECT', 'hash-value', 'duplicate']) expect(serialized).not.toContain(leak);
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })],
    [
      'a query cut off by a server shutdown',
      new QueryFailedError(
        'SELECT secret FROM users',
        ['hash-value'],
        Object.assign(new Error('terminating connection'), { code: '57P01' }),
      ),
    ],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
  ])('renders %s as 503 service_unavailable with Retry-After, without details or an error log', (_label, exception) => {
    const logWarn = jest.spyOn(Logger.prototype, 'warn').mockImplementation();
    const reply = render(exception);
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toEqual({
      success: false,
      error: 'The service is temporarily unavailable; try again shortly',
      code: 'service_unavailable',
      requestId: 'req-1',
      retryAfter: 5,
    });
    expect(reply.headers['Retry-After']).toBe('5');
    expect(reply.headers['WWW-Authenticate']).toBeUndefined();
    for (const leak of ['10.0.0.5', 'SELECT', 'hash-value', 'terminating']) expect(JSON.stringify(reply.body)).not.toContain(leak);
    expect(logError).not.toHaveBeenCalled();
    expect(logWarn.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('renders a plain Error as a 500 without its message or stack', () => {
    const error = new Error('connection to 10.0.0.5 refused');
    const reply = render(error);
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual(INTERNAL);
    const serialized = JSON.stringify(reply.body);
    expect(serialized).not.toContain('10.0.0.5');
    expect(serialized).not.toContain('at ');
    expect(reply.body).not.toHaveProperty('stack');
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it('renders a thrown non-error value as a 500', () => {
    const reply = render('something odd');
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual(INTERNAL);
  });

  it("hides the message of Nest's own 5xx exceptions", () => {
    const reply = render(new InternalServerErrorException('pool exhausted: password=hunter2'));
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual(INTERNAL);
  });

  it('renders a 503 as service_unavailable with its message, without logging it as a crash', () => {
    const reply = render(new ServiceUnavailableException('Database unavailable'));
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toEqual({ success: false, error: 'Database unavailable', code: 'service_unavailable', requestId: 'req-1' });
    expect(logError).not.toHaveBeenCalled();
  });

  it("renders Nest's NotFoundException as 404 not_found", () => {
    const reply = render(new NotFoundException('Cannot GET /api/nope'));
    expect(reply.statusCode).toBe(404);
    expect(reply.body).toEqual({ success: false, error: 'Route not found', code: 'not_found', requestId: 'req-1' });
  });

  it("maps other Nest HttpExceptions to the contract's codes", () => {
    const reply = render(new BadRequestException('Bad thing'));
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toMatchObject({ success: false, code: 'validation_failed', requestId: 'req-1' });
  });

  it('renders a Fastify body-too-large error as 413 payload_too_large with our own message', () => {
    const reply = render({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'x' });
    expect(reply.statusCode).toBe(413);
    expect(reply.body).toEqual({
      success: false,
      error: 'Request body is larger than 1 MB',
      code: 'payload_too_large',
      requestId: 'req-1',
    });
    expect(logError).not.toHaveBeenCalled();
  });

  it('does not echo the message of an unknown Fastify 4xx error', () => {
    const reply = render({ statusCode: 400, code: 'FST_SOMETHING_NEW', message: 'internal detail' });
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toEqual({ success: false, error: 'Bad request', code: 'validation_failed', requestId: 'req-1' });
  });

  it('treats an object with a 5xx statusCode as an internal error', () => {
    const reply = render({ statusCode: 502, message: 'upstream said no' });
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual(INTERNAL);
  });

  it('carries the request id of the request', () => {
    const reply = new FakeReply();
    new AllExceptionsFilter().catch(conflict('x'), hostFor(reply, 'abc-123'));
    expect(reply.body?.requestId).toBe('abc-123');
  });

  describe('WWW-Authenticate', () => {
    it('is sent on a 401 with the Bearer and ApiKey challenges', () => {
      const reply = render(new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized, 'Authentication required'));
      expect(reply.statusCode).toBe(401);
      const header = reply.headers['WWW-Authenticate'];
      expect(header).toMatch(/^Bearer realm="argus"/);
      expect(header).not.toContain('error=');
      expect(header).toContain('ApiKey realm="argus", header="X-API-Key"');
    });

    it.each([ErrorCode.InvalidToken, ErrorCode.TokenExpired])('says error="invalid_token" for %s', (code) => {
      const reply = render(new AppException(HttpStatus.UNAUTHORIZED, code, 'Bad token'));
      expect(reply.headers['WWW-Authenticate']).toMatch(/^Bearer realm="argus", error="invalid_token"/);
    });

    it("is sent for Nest's UnauthorizedException too", () => {
      const reply = render(new UnauthorizedException());
      expect(reply.statusCode).toBe(401);
      expect(reply.body?.code).toBe('unauthorized');
      expect(reply.headers['WWW-Authenticate']).toMatch(/^Bearer realm="argus"/);
    });

    it('keeps a challenge the exception set itself', () => {
      const exception = new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.InvalidApiKey, 'Invalid API key', undefined, {
        'WWW-Authenticate': 'ApiKey realm="argus"',
      });
      expect(render(exception).headers['WWW-Authenticate']).toBe('ApiKey realm="argus"');
    });

    it('is not sent for other statuses', () => {
      expect(render(conflict('x')).headers).not.toHaveProperty('WWW-Authenticate');
      expect(render(new Error('boom')).headers).not.toHaveProperty('WWW-Authenticate');
    });
  });
});
