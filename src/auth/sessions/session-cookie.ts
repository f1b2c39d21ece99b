import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie's two names. Browsers accept a `__Host-` cookie only with `Secure`, from a
 * secure origin, for `Path=/` and without `Domain`, so neither a sibling subdomain nor a plain-http
 * man in the middle can plant or overwrite it. Where the origin is not secure (plain http on a
 * real host name) no `Secure` cookie can exist, and the plain name is used instead.
 */
export const SECURE_SESSION_COOKIE = '__Host-argus_session';
export const SESSION_COOKIE = 'argus_session';

/** Browsers treat these as secure origins even over plain http. */
const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The longest token we ever issue is 43 characters; anything much longer is not ours. */
const MAX_TOKEN_LENGTH = 128;

/** https (X-Forwarded-Proto counts when TRUST_PROXY trusts the proxy, as Fastify decides), or a local host name. */
export function isSecureOrigin(request: FastifyRequest): boolean {
  return request.protocol === 'https' || LOCAL_HOSTS.has(request.hostname.toLowerCase());
}

/** The attributes both session cookies share; `secure` marks the `__Host-` one. */
export function cookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    secure,
    sameSite: 'lax' as const,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/** The session token the request's cookies carry, under either name (the `__Host-` one first). */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return sessionTokenIn((name) => request.cookies[name]);
}

/** The same, from any cookie reader (oidc-provider's Koa context reads its own). */
export function sessionTokenIn(cookie: (name: string) => string | undefined): string | undefined {
  const token = cookie(SECURE_SESSION_COOKIE) ?? cookie(SESSION_COOKIE);
  return token && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

/** True when the request presents a session cookie at all (valid or not). */
export function hasSessionCookie(request: FastifyRequest): boolean {
  return request.cookies[SECURE_SESSION_COOKIE] !== undefined || request.cookies[SESSION_COOKIE] !== undefined;
}

/** Sets the cookie under the name the request's origin allows, lasting as long as the session at most. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const secure = isSecureOrigin(request);
  reply.setCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, token, cookieOptions(secure, maxAgeSeconds));
}

/**
 * Removes whichever session cookie the browser holds. A `__Host-` cookie is only replaced by one
 * that is itself `Secure`, so each name is cleared with its own attributes.
 */
export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  if (request.cookies[SECURE_SESSION_COOKIE] !== undefined) reply.clearCookie(SECURE_SESSION_COOKIE, cookieOptions(true));
  if (request.cookies[SESSION_COOKIE] !== undefined) reply.clearCookie(SESSION_COOKIE, cookieOptions(false));
}
