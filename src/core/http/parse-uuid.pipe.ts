import { ParseUUIDPipe } from '@nestjs/common';
import { validationFailed } from '../errors/app.exception';

/** Rejects a malformed id before any query sees it (TypeORM treats `undefined` ids as "any row"). */
export const ParseIdPipe = parseIdPipe('id');
export const ParseUserIdPipe = parseIdPipe('userId');
export const ParseKeyIdPipe = parseIdPipe('keyId');

function parseIdPipe(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => validationFailed([{ field, messages: [`${field} must be a UUID`] }]) });
}
