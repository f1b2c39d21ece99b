import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * A domain error with its HTTP status and machine code. The global filter renders it in the
 * contract's shape; nothing else about it (stack, cause) ever reaches the client.
 */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
    readonly headers?: Record<string, string>,
    /** Further top-level body fields (`retryAfter` on a 429). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message, status);
  }
}

export const unauthorized = (code: ErrorCode, message: string): AppException => new AppException(HttpStatus.UNAUTHORIZED, code, message);

export const forbidden = (message = 'You do not have permission to perform this action'): AppException =>
  new AppException(HttpStatus.FORBIDDEN, ErrorCode.Forbidden, message);

export const insufficientScope = (missing: string[]): AppException =>
  new AppException(HttpStatus.FORBIDDEN, ErrorCode.InsufficientScope, `Missing required scope: ${missing.join(', ')}`);

export const accessDeniedByPolicy = (message: string): AppException =>
  new AppException(HttpStatus.FORBIDDEN, ErrorCode.AccessDeniedByPolicy, message);

export const notFound = (what = 'Resource'): AppException =>
  new AppException(HttpStatus.NOT_FOUND, ErrorCode.NotFound, `${what} not found`);

export const conflict = (message: string): AppException => new AppException(HttpStatus.CONFLICT, ErrorCode.Conflict, message);

export const validationFailed = (details: FieldError[], message = 'Validation failed'): AppException =>
  new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, message, details);
