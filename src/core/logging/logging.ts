import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, Logger } from 'pino';
import type { CoreConfig } from '../config/core.config';

/** Paths whose values are secrets if they ever reach a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-device-token"]',
  'password',
  'refreshToken',
  'key',
  'deviceToken',
];

type SonicBoom = ReturnType<typeof pino.destination>;

/** How long a line may wait in the buffer at most. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

/** The buffered stdout destinations this process created; `flushLogsSync` empties them. */
const buffered = new Set<SonicBoom>();

/** The one pino logger of the process: Nest's messages and the request log both write through it. */
export function createRootLogger(config: Pick<CoreConfig, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } },
    (destination as DestinationStream | undefined) ?? bufferedStdout(),
  );
}

/**
 * Buffered writes: one syscall per ~4 KB of log instead of one per line (measured ~10 µs each
 * here), but never more than a second late: a timer flushes what is waiting. pino flushes on a
 * normal exit; signals and fatal errors go through `flushLogsSync` (see main.ts).
 */
function bufferedStdout(): SonicBoom {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  buffered.add(stream);
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Not ready yet, or already closed: the next tick or the exit flush takes it.
    }
  }, LOG_FLUSH_INTERVAL_MS);
  timer.unref();
  stream.once('close', () => {
    clearInterval(timer);
    buffered.delete(stream);
  });
  return stream;
}

/** Writes every buffered line now, synchronously: for exit paths that skip pino's own exit flush. */
export function flushLogsSync(): void {
  for (const stream of buffered) {
    try {
      stream.flushSync();
    } catch {
      // A closed or not yet opened stream has nothing we could still write.
    }
  }
}

/**
 * nestjs-pino carries Nest's own logging. Its per-request middleware (pino-http on Nest's
 * middleware layer, in an AsyncLocalStorage context) is not mounted: the request log below is
 * written from one Fastify hook, which measured about a quarter cheaper per request.
 */
export function loggerParams(logger: Logger): Params {
  return { pinoHttp: { logger }, forRoutes: [] };
}

/** What the request log shows of the caller (set by the authentication guard): ids only, never the credential. */
export interface CallerLogFields {
  userId: string;
  keyId?: string;
  /** The OAuth application of an access token. */
  clientId?: string;
  /** How the caller authenticated: `jwt`, `api_key`, `session`, `oauth`. */
  method: string;
}

type LoggedRequest = FastifyRequest & { raw: FastifyRequest['raw'] & { caller?: CallerLogFields }; errorCode?: string };

/** The contract's error `code` near the start of an error body (`{"success":false,"error":...,"code":"..."}`). */
const ERROR_CODE = /"code":"([a-z_]{1,64})"/;

/**
 * One JSON line per request: request id, method, path (never the query string), status, latency,
 * the caller's ids and, for an error, its `code` (`invalid_api_key`, `insufficient_scope`, ...).
 * Headers and bodies are never logged.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('error')) return;
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // Only error bodies are read, and only for their machine-readable code (never a secret).
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const match = ERROR_CODE.exec(payload);
      if (match) (request as LoggedRequest).errorCode = match[1];
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) {
      const path = stripQuery(request.url);
      const caller = (request as LoggedRequest).raw.caller;
      const code = (request as LoggedRequest).errorCode;
      logger[level](
        {
          reqId: request.id,
          req: { id: request.id, method: request.method, url: path },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
          ...(caller ? { caller } : {}),
          ...(code ? { code } : {}),
        },
        `${request.method} ${path} ${status}`,
      );
    }
    done();
  });
}

/** Query strings can carry anything a client typed; the path is enough to follow a request. */
function stripQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
