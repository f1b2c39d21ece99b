/**
 * How each credential is recognised: the global guard picks the one strategy a request's headers
 * can apply to, and each credential's module registers the Passport strategy of that name.
 */
export const KEY_PREFIX = 'argus_';
export const API_KEY_HEADER_STRATEGY = 'api-key';
export const API_KEY_BEARER_STRATEGY = 'api-key-bearer';
export const JWT_STRATEGY = 'jwt';
/** An OAuth access token (a JWT whose header says `typ: at+jwt`) in `Authorization: Bearer`. */
export const OAUTH_STRATEGY = 'oauth';
