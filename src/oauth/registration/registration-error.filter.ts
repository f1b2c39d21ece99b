import { Catch } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { FieldError } from '../../core/errors/app.exception';
import { AllExceptionsFilter, ErrorBody } from '../../core/errors/all-exceptions.filter';
import { ErrorCode } from '../../core/errors/error-codes';
import { registrationFieldError } from './client-registration';

/** RFC 7591 §3.2.2's codes (and RFC 6750's for the credential) for Argus's statuses. */
function oauthError(status: number, body: ErrorBody, details: FieldError[]): string {
  if (status === 400) return details.some((d) => d.field.startsWith('redirect_uris')) ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  if (status === 401) return 'invalid_token';
  if (status === 403) return body.code === ErrorCode.InsufficientScope ? 'insufficient_scope' : 'access_denied';
  if (status === 404) return 'not_found';
  if (status === 413 || status === 415) return 'invalid_request';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'temporarily_unavailable';
  return 'server_error';
}

/**
 * Errors of `POST /oauth/register` in the shape an RFC 7591 client reads: `{ error,
 * error_description }` with the RFC's codes, the field errors in the metadata's own names. Status,
 * headers (WWW-Authenticate, Retry-After) and logging are the global filter's.
 */
@Catch()
export class RegistrationErrorFilter extends AllExceptionsFilter {
  protected override send(reply: FastifyReply, status: number, body: ErrorBody): void {
    const details = Array.isArray(body.details) ? (body.details as FieldError[]).map(registrationFieldError) : [];
    const description = details.length > 0 ? details.map((d) => `${d.field}: ${d.messages.join('; ')}`).join('; ') : body.error;
    reply.status(status).send({
      error: oauthError(status, body, details),
      error_description: description,
      ...(details.length > 0 ? { details } : {}),
      requestId: body.requestId,
    });
  }
}
