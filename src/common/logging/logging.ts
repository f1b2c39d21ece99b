import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream } from 'pino';
import type { CallerLogFields } from '../../auth/guards/authentication.guard';
import type { AppConfig } from '../../config/app-config';

type LoggedRequest = IncomingMessage & { id?: string | number; caller?: CallerLogFields };

/** Paths whose values are secrets wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.accessToken',
  '*.key',
  '*.keyHash',
  '*.secret',
];

/**
 * Structured JSON logs through one pino logger, for Nest's own messages and for requests: request
 * id, method, path, status, latency and the caller's ids. Headers and bodies are never logged; the
 * redaction list guards anything that slips into a log object.
 */
export function loggerParams(config: AppConfig, destination?: NodeJS.WritableStream): Params {
  const logger = pino(
    { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } },
    (destination as DestinationStream | undefined) ?? pino.destination(1),
  );
  return {
    // Nest 11 path syntax for "every route" (the default '*' logs a legacy-route warning).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      logger,
      genReqId: (req) => String((req as LoggedRequest).id ?? ''),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: stripQuery(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customSuccessObject: (req: IncomingMessage, _res: ServerResponse, value: Record<string, unknown>) =>
        withCaller(req as LoggedRequest, value),
      customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, value: Record<string, unknown>) =>
        withCaller(req as LoggedRequest, value),
      customSuccessMessage: (req, res) => `${req.method} ${stripQuery(req.url ?? '')} ${res.statusCode}`,
      customErrorMessage: (req, res) => `${req.method} ${stripQuery(req.url ?? '')} ${res.statusCode}`,
      quietReqLogger: true,
    },
  };
}

function withCaller(req: LoggedRequest, value: Record<string, unknown>): Record<string, unknown> {
  return req.caller ? { ...value, caller: req.caller } : value;
}

/** Query strings can carry anything a client typed; the path is enough to follow a request. */
function stripQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
