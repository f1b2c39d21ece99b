import { HttpCode, HttpStatus, Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ErrorResponseDto, PageMetaDto } from './error-response.dto';

interface EnvelopeOptions {
  status?: HttpStatus;
  description?: string;
  isArray?: boolean;
  paginated?: boolean;
  message?: string;
}

/**
 * Documents (and sets) a success response in the contract's envelope:
 * `{ success: true, data: <model>, message?, meta? }`.
 */
export function ApiEnvelope(model: Type<unknown> | null, options: EnvelopeOptions = {}): MethodDecorator {
  const status = options.status ?? HttpStatus.OK;
  const data: SchemaObject | ReferenceObject = model === null ? { type: 'object', nullable: true } : { $ref: getSchemaPath(model) };
  const properties: Record<string, SchemaObject | ReferenceObject> = {
    success: { type: 'boolean', enum: [true] },
    data: options.isArray || options.paginated ? { type: 'array', items: data } : data,
  };
  if (options.message) properties.message = { type: 'string', example: options.message };
  if (options.paginated) properties.meta = { $ref: getSchemaPath(PageMetaDto) };
  return applyDecorators(
    HttpCode(status),
    ApiExtraModels(...(model ? [model] : []), PageMetaDto),
    ApiResponse({
      status,
      description: options.description ?? 'Success',
      schema: { type: 'object', required: ['success', 'data'], properties },
      headers: RATE_LIMIT_HEADERS,
    }),
  );
}

/** Sent on every rate-limited response (every /api route but health). */
export const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests allowed in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': {
    description: 'Unix time (seconds) when the window resets (token bucket: is full again); on a 429, now + Retry-After',
    schema: { type: 'integer' },
  },
  'RateLimit-Policy': { description: 'IETF draft-11, e.g. `"api-key";q=100;w=60`', schema: { type: 'string' } },
  RateLimit: { description: 'IETF draft-11, e.g. `"api-key";r=42;t=17`', schema: { type: 'string' } },
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (`validation_failed`, with field details)',
  401: 'Missing or invalid credentials (`certificate_required` for a key bound to a client certificate the request did not present)',
  403: 'Authenticated but not allowed (`forbidden`, `insufficient_scope`, `access_denied_by_policy` for a key used outside its `allowedIps`, or `csrf_invalid` for a state-changing request signed in by the session cookie without a valid `X-CSRF-Token`)',
  404: 'Not found, or not yours (`not_found`)',
  409: 'Conflicts with the current state (`conflict`)',
  413: 'Body larger than 1 MB (`payload_too_large`)',
  415: 'A body that is not `application/json` (`unsupported_media_type`)',
  429: 'Rate limit (`rate_limit_exceeded`) or quota (`quota_exceeded`) exhausted; `Retry-After` and `retryAfter` say when to retry',
  500: 'Unexpected server error (`internal_error`); no detail is returned, the request id finds it in the logs',
  503: 'A dependency is unavailable (`service_unavailable`): the database (with `Retry-After`), or Redis under `RATE_LIMIT_REDIS_FAILURE=closed`',
};

/** Documents the error responses a route can give, all in the one error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        type: ErrorResponseDto,
        ...(status === 429 ? { headers: { ...RATE_LIMIT_HEADERS, ...RETRY_AFTER } } : status === 503 ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
