import { ApiError } from '../api/client';

/** A refused password confirmation reads as such, not as the sign-in form's "wrong email or password". */
export function passwordError(error: unknown): unknown {
  if (error instanceof ApiError && error.code === 'invalid_credentials') {
    return new Error('The current password is incorrect.');
  }
  return error;
}
