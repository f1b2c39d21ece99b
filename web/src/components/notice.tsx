import { ApiError } from '../api/client';

/** An error as a person reads it, announced to screen readers as it appears. */
export function ErrorNotice({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  return (
    <p className="notice error" role="alert" id={id}>
      {describeError(error)}
    </p>
  );
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') return 'Wrong email or password.';
    if (error.code === 'rate_limit_exceeded') return 'Too many attempts. Wait a moment and try again.';
    return error.describe();
  }
  if (error instanceof TypeError) return 'Argus cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
