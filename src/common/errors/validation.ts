import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, validationFailed } from './app.exception';

/** Flattens nested class-validator errors into `{ field: "a.b", messages }` entries. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
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
