import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException, validationFailed } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';
import { findUnstorableInput } from '../validation/storable-input';

/** The one media type the JSON API reads (parameters such as `charset` allowed). */
const JSON_MEDIA_TYPE = 'application/json';

/** A route of the JSON API (by the route it matched, so no spelling of the URL can dodge it). */
function isApiRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/api/') ?? false;
}

/** A request with a body: a non-zero Content-Length, or a chunked one. */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';', 1)[0].trim().toLowerCase() === JSON_MEDIA_TYPE;
}

export const unsupportedMediaType = (): AppException =>
  new AppException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UnsupportedMediaType, 'Unsupported Content-Type; send application/json');

/**
 * The input rules of every `/api/` route, in one place and before any parsing or validation:
 * - a body must be `application/json` (else `415`): forms and bodies without a Content-Type are
 *   what a browser sends cross-site without a preflight, so they are never parsed;
 * - the parsed body and query may hold no string PostgreSQL cannot store and no nesting deeper
 *   than MAX_INPUT_DEPTH (else `400 validation_failed` naming the field).
 * Routes outside `/api/` (such as OAuth endpoints, which take forms) set their own rules.
 */
export function registerApiInputRules(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (isApiRoute(request) && hasBody(request) && !isJsonMediaType(request.headers['content-type'])) {
      done(unsupportedMediaType());
      return;
    }
    done(null, payload);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (isApiRoute(request)) {
      const problem = findUnstorableInput(request.body) ?? findUnstorableInput(request.query);
      if (problem) {
        done(validationFailed([problem]));
        return;
      }
    }
    done();
  });
}
