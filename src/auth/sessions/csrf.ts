import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { HttpStatus } from '@nestjs/common';
import type { Principal } from '../../access/principal';
import { deriveKey } from '../device-token';
import { cookieOptions, isSecureOrigin } from './session-cookie';

/**
 * The CSRF secret's cookie. It is not `__Host-`: the plugin reads one cookie name, and plain-http
 * hosts need a cookie too. Nothing rests on the secret staying unknown: every token is an HMAC,
 * under a key only the server holds, of the secret and the session id, so a planted secret
 * yields no token an attacker could compute, and a token works for one session only.
 */
export const CSRF_COOKIE = 'argus_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const csrfInvalid = (): AppException =>
  new AppException(HttpStatus.FORBIDDEN, ErrorCode.CsrfInvalid, 'Missing or invalid CSRF token');

export function isStateChanging(request: FastifyRequest): boolean {
  return STATE_CHANGING.has(request.method);
}

/**
 * `@fastify/cookie` (request.cookies, reply.setCookie) and `@fastify/csrf-protection` in its
 * cookie mode, with tokens bound to the session that asked for them (`getUserInfo`) and read
 * only from the `X-CSRF-Token` header (never a body field or query a form could fill in).
 */
export async function registerSessionPlugins(fastify: FastifyInstance, jwtSecret: string): Promise<void> {
  await fastify.register(fastifyCookie);
  await fastify.register(fastifyCsrfProtection, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: cookieOptions(false),
    getUserInfo: (request) => (request as FastifyRequest & { user?: Principal }).user?.sessionId ?? '',
    getToken: (request) => {
      const token = request.headers[CSRF_HEADER];
      return typeof token === 'string' ? token : undefined;
    },
    csrfOpts: { userInfo: true, hmacKey: deriveKey(jwtSecret, 'csrf token v1') },
    logLevel: 'debug',
  });
}

/**
 * A token for the session `sessionId`, setting the secret cookie when the browser has none. A
 * sign-in passes `fresh`: the secret then starts anew with the session's lifetime.
 */
export function issueCsrfToken(
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  maxAgeSeconds: number,
  fresh = false,
): string {
  // The plugin reuses the secret of the request's cookie; forgetting it here makes it mint a new one.
  if (fresh) delete request.cookies[CSRF_COOKIE];
  return reply.generateCsrf({ ...cookieOptions(isSecureOrigin(request), maxAgeSeconds), userInfo: sessionId });
}

/** Drops the secret cookie (sign-out). */
export function clearCsrfCookie(request: FastifyRequest, reply: FastifyReply): void {
  if (request.cookies[CSRF_COOKIE] !== undefined) reply.clearCookie(CSRF_COOKIE, cookieOptions(isSecureOrigin(request)));
}

/**
 * Whether the request's `X-CSRF-Token` is valid for its session, by the plugin's own check. That
 * check is written as a Fastify hook that answers a refusal itself; it runs synchronously, and
 * here it runs inside the Nest guard (after the session is known), so the refusal is only noted
 * and the exception filter answers in the contract's shape.
 */
export function hasValidCsrfToken(request: FastifyRequest): boolean {
  let valid = false;
  const refusal = { send: () => refusal };
  request.server.csrfProtection(request, refusal as unknown as FastifyReply, () => {
    valid = true;
  });
  return valid;
}
