import { ParseUUIDPipe } from '@nestjs/common';
import { validationFailed } from '../errors/app.exception';

/** Rejects a malformed id before any query sees it (TypeORM treats `undefined` ids as "any row"). */
export const ParseIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed([{ field: 'id', messages: ['id must be a UUID'] }]),
});
