/** The OpenAPI security scheme names: declared on the document (swagger.ts) and on every route (@Authenticated). */
export const JWT_SECURITY = 'jwt';
export const API_KEY_SECURITY = 'api-key';
export const SESSION_SECURITY = 'session';
export const OAUTH_SECURITY = 'oauth2';
