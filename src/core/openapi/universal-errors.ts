import type { OpenAPIObject } from '@nestjs/swagger';
import { getSchemaPath } from '@nestjs/swagger';
import { ERROR_DESCRIPTIONS } from './api-responses.decorator';
import { ErrorResponseDto } from './error-response.dto';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/**
 * Adds the errors that rules in front of every route produce, so no operation can forget them:
 * - 500 `internal_error` on every operation;
 * - 400 and 415 on every operation with a request body (the /api body rules: JSON only, no
 *   strings PostgreSQL cannot store, bounded depth), and 400 on every one with query parameters.
 * Responses a route documents itself are kept as they are.
 */
export function addUniversalErrors(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = [500];
      if (operation.requestBody) statuses.push(400, 415);
      if (operation.parameters?.some((parameter) => 'in' in parameter && parameter.in === 'query')) statuses.push(400);
      for (const status of statuses) {
        operation.responses[status] ??= {
          description: ERROR_DESCRIPTIONS[status],
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
        };
      }
    }
  }
  return document;
}
