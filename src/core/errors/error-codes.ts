/** Every machine-readable `code` an Argus error response can carry (SPEC §3). */
export const ErrorCode = {
  ValidationFailed: 'validation_failed',
  Unauthorized: 'unauthorized',
  InvalidCredentials: 'invalid_credentials',
  InvalidToken: 'invalid_token',
  TokenExpired: 'token_expired',
  InvalidApiKey: 'invalid_api_key',
  ApiKeyRevoked: 'api_key_revoked',
  ApiKeyExpired: 'api_key_expired',
  ApiKeyInactive: 'api_key_inactive',
  ApiKeyRotated: 'api_key_rotated',
  Forbidden: 'forbidden',
  InsufficientScope: 'insufficient_scope',
  AccessDeniedByPolicy: 'access_denied_by_policy',
  /** A key bound to a client certificate, presented without it (or with another one). */
  CertificateRequired: 'certificate_required',
  CsrfInvalid: 'csrf_invalid',
  InvalidMfaCode: 'invalid_mfa_code',
  MfaRequired: 'mfa_required',
  NotFound: 'not_found',
  Conflict: 'conflict',
  /** Account deletion refused: the account is the only owner of organisations (listed in `organizations`). */
  SoleOwner: 'sole_owner',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  RateLimitExceeded: 'rate_limit_exceeded',
  QuotaExceeded: 'quota_exceeded',
  InternalError: 'internal_error',
  ServiceUnavailable: 'service_unavailable',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
