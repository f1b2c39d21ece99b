import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, validationFailed } from './app.exception';

/** Flattens nested class-validator errors into `{ field: "a.b", messages }` entries. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints
      ? [{ field, messages: isMissing(error) ? [`${field} is required`] : Object.values(error.constraints) }]
      : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * A required field that is absent: every rule failed only because there is no value, so the one
 * useful message is that it is required. (Optional fields skip their rules when absent; the pipe
 * removes `value` only from errors with children, whose value is present.)
 */
function isMissing(error: ValidationError): boolean {
  return 'value' in error && error.value === undefined;
}

/** The one validation pipe: unknown fields are rejected, never stored; payloads become DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationFailed(toFieldErrors(errors)),
  });
}
