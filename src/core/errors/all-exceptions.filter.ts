import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from './app.exception';
import { databaseUnavailable, isDatabaseUnavailable } from './database-errors';
import { ErrorCode } from './error-codes';

export interface ErrorBody {
  success: false;
  error: string;
  code: ErrorCode;
  requestId: string;
  details?: unknown;
  retryAfter?: number;
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimitExceeded,
  503: ErrorCode.ServiceUnavailable,
};

/** An unreachable database is logged at most this often, however many requests it fails. */
const OUTAGE_LOG_EVERY_MS = 10_000;

/** Messages for errors raised below Nest (Fastify's parsers), which must not leak their own text. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than 1 MB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type; send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Body cannot be empty when Content-Type is application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/**
 * The single place an error becomes a response: one shape, a request id, and nothing of the
 * server's inner workings (no stack, SQL or driver message) for anything that is not ours.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');
  private lastOutageLog = 0;
  private outageErrors = 0;

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // An unreachable database is an outage on any route (login, key creation...): 503 with
    // Retry-After, never a 500 or a 401.
    if (!(exception instanceof HttpException) && isDatabaseUnavailable(exception)) {
      this.logOutage(exception as Error, String(request.id));
      exception = databaseUnavailable();
    }
    const { status, body, headers } = this.render(exception, String(request.id));

    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { requestId: request.id, err: { type: error.name, message: error.message, stack: error.stack } },
        'Unhandled error',
      );
    }
    if (status === HttpStatus.UNAUTHORIZED && !headers['WWW-Authenticate']) {
      headers['WWW-Authenticate'] = wwwAuthenticate(body.code);
    }
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    this.send(reply, status, body);
  }

  /** Writes the body (a protocol endpoint's filter words it in its standard's shape instead). */
  protected send(reply: FastifyReply, status: number, body: ErrorBody): void {
    reply.status(status).send(body);
  }

  private logOutage(error: Error, requestId: string): void {
    this.outageErrors++;
    const now = Date.now();
    if (now - this.lastOutageLog < OUTAGE_LOG_EVERY_MS) return;
    this.lastOutageLog = now;
    const requests = this.outageErrors;
    this.outageErrors = 0;
    this.logger.warn({ requestId, requests, err: { type: error.name, message: error.message } }, 'Database unavailable: answering 503');
  }

  private render(exception: unknown, requestId: string): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof AppException) {
      return {
        status: exception.getStatus(),
        body: {
          success: false,
          error: exception.message,
          code: exception.code,
          requestId,
          ...(exception.details ? { details: exception.details } : {}),
          ...exception.extra,
        },
        headers: { ...exception.headers },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const details = typeof response === 'object' && response !== null && 'details' in response ? response.details : undefined;
      return {
        status,
        body: {
          success: false,
          error: status === 404 ? 'Route not found' : status >= 500 && status !== 503 ? 'Internal server error' : exception.message,
          code: STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.ValidationFailed),
          requestId,
          ...(details !== undefined ? { details } : {}),
        },
        headers: {},
      };
    }
    const fastifyError = exception as { statusCode?: number; code?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      return {
        status,
        body: {
          success: false,
          error: FASTIFY_MESSAGES[fastifyError.code ?? ''] ?? 'Bad request',
          code: STATUS_CODES[status] ?? ErrorCode.ValidationFailed,
          requestId,
        },
        headers: {},
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { success: false, error: 'Internal server error', code: ErrorCode.InternalError, requestId },
      headers: {},
    };
  }
}

const TOKEN_ERRORS: ReadonlySet<string> = new Set([ErrorCode.InvalidToken, ErrorCode.TokenExpired]);

function wwwAuthenticate(code: ErrorCode): string {
  const bearer = TOKEN_ERRORS.has(code) ? `Bearer realm="argus", error="invalid_token"` : 'Bearer realm="argus"';
  return `${bearer}, ApiKey realm="argus", header="X-API-Key"`;
}
