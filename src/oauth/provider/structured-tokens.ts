import { decodeJwt } from '../../auth/signing/jws';
import type { JwtVerifier } from '../../auth/signing/jwt-verifier';
import type { OAuthTokenAdmission } from '../tokens/oauth-token-admission';
import type { OAuthTokenRevocations } from '../tokens/token-revocations';

interface KoaContext {
  status: number;
  body: unknown;
  oidc?: { route?: string; params?: Record<string, unknown>; client?: { clientId: string } };
}

export interface StructuredTokenDependencies {
  admission: OAuthTokenAdmission;
  verifier: JwtVerifier;
  revocations: OAuthTokenRevocations;
  issuer: string;
}

/**
 * Introspection (RFC 7662) and revocation (RFC 7009) of Argus's JWT access tokens. oidc-provider
 * refuses structured tokens at both endpoints (`unsupported_token_type`): this Koa middleware
 * answers instead, after the library has authenticated the client. A client learns of, and
 * revokes, only its own tokens; anyone else's (or anything that does not verify) is
 * `{ active: false }` / a silent 200, as both RFCs ask. Revoking puts the `jti` on the deny list
 * until the token's expiry, on every instance.
 */
export function structuredTokenMiddleware(deps: StructuredTokenDependencies) {
  return async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
    await next();
    const route = ctx.oidc?.route;
    if (route !== 'introspection' && route !== 'revocation') return;
    const body = ctx.body as { error?: string } | undefined;
    const client = ctx.oidc?.client;
    const token = ctx.oidc?.params?.token;
    if (ctx.status !== 400 || body?.error !== 'unsupported_token_type' || !client || typeof token !== 'string') return;
    if (route === 'introspection') {
      ctx.status = 200;
      ctx.body = await introspect(deps, token, client.clientId);
    } else {
      await revoke(deps, token, client.clientId);
      ctx.status = 200;
      ctx.body = '';
    }
  };
}

async function introspect(deps: StructuredTokenDependencies, token: string, clientId: string): Promise<Record<string, unknown>> {
  // The calling client's call was charged at the mount: judging the token spends no limit again.
  const admission = await deps.admission.admit(token, { limit: false, mayInspect: (principal) => principal.clientId === clientId });
  if (admission.code !== 'VALID') return { active: false };
  const claims = decodeJwt(token)!.payload;
  return {
    active: true,
    token_type: 'Bearer',
    client_id: claims.client_id,
    sub: claims.sub,
    // What the token may do now: its scopes narrowed by the application's and the user's current role.
    scope: admission.principal!.scopes.join(' '),
    exp: claims.exp,
    iat: claims.iat,
    iss: claims.iss,
    aud: claims.aud,
    jti: claims.jti,
    ...(claims.cnf ? { cnf: claims.cnf } : {}),
  };
}

async function revoke(deps: StructuredTokenDependencies, token: string, clientId: string): Promise<void> {
  let claims: Record<string, unknown>;
  try {
    claims = await deps.verifier.verifyOAuthAccessToken(token, deps.issuer);
  } catch {
    return; // RFC 7009 §2.2: an invalid token is no error
  }
  if (claims.client_id !== clientId || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') return;
  await deps.revocations.revoke(claims.jti, new Date(claims.exp * 1000));
}
