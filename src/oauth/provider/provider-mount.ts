import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { decodeJwt } from '../../auth/signing/jws';
import { AppException } from '../../core/errors/app.exception';
import { withFormTargets } from '../../core/http/security-headers';
import type { RateLimitService } from '../../rate-limit/rate-limit.service';
import type { OAuthApplicationAccess } from '../tokens/application-access';
import type { OidcProviderHost, OidcProvider } from './oidc-provider.host';
import { OAUTH_ROUTES } from './oidc-configuration';

/** oidc-provider reads at most this much of a body (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;
const DISCOVERY = '/.well-known/openid-configuration';
/** RFC 8414's name for the same document. */
const AS_METADATA = '/.well-known/oauth-authorization-server';
/** The endpoints where a client authenticates: limited per client (the `oauth` kind), not per address. */
const CLIENT_AUTHENTICATED = new Set([
  OAUTH_ROUTES.token,
  OAUTH_ROUTES.introspection,
  OAUTH_ROUTES.revocation,
  OAUTH_ROUTES.pushed_authorization_request,
]);

export interface ProviderMountDependencies {
  host: OidcProviderHost;
  limits: RateLimitService;
  applications: OAuthApplicationAccess;
  /**
   * Ends the browser's dashboard session (the one the login page shares) when it is `accountId`'s,
   * after that account was signed out of the provider at end-session.
   */
  endBrowserSession: (request: FastifyRequest, accountId: string) => Promise<void>;
}

/** Set on the raw request by the library's `end_session.success` event: the account a confirmed logout signed out. */
const SIGNED_OUT = Symbol('argus.oidcSignedOut');

type RawRequest = IncomingMessage & { body?: unknown; originalUrl?: string; [SIGNED_OUT]?: string };

/** What the `end_session.success` listener reads of the library's context. */
interface EndSessionContext {
  req: RawRequest;
  oidc: { params?: { logout?: unknown }; session?: { accountId?: string } };
}

/**
 * Serves oidc-provider (a Koa app) for `/oauth/*` and both discovery documents, from a Fastify
 * scope of its own. The scope reads the body as a string and hands it over (the library takes a
 * pre-read body); the token endpoint's JSON body (reference 003) becomes the form the RFC
 * requires. The request's host and scheme are rewritten to ARGUS_PUBLIC_URL's, so every URL the
 * library builds (discovery, audiences it accepts) is the public one whatever Host was sent.
 * Nest's own routes under /oauth/ (the JWKS, the interaction pages) are static routes and win
 * over this wildcard.
 */
export function mountOAuthProvider(fastify: FastifyInstance, deps: ProviderMountDependencies): void {
  const publicUrl = new URL(deps.host.config.publicUrl);
  const basePath = publicUrl.pathname.replace(/\/+$/, '');
  const callbacks = new WeakMap<OidcProvider, (req: IncomingMessage, res: ServerResponse) => Promise<void>>();

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const provider = await deps.host.provider();
    if (!provider) {
      await reply.code(404).send({
        error: 'not_found',
        code: 'not_found',
        error_description: 'Argus is not an authorization server with JWT_ALGORITHM=HS256',
      });
      return;
    }
    const raw = request.raw as RawRequest;
    const path = request.url.split('?', 1)[0];
    if (!isProviderPath(path)) {
      reply.callNotFound();
      return;
    }
    let body = typeof request.body === 'string' ? request.body : undefined;
    if (body !== undefined && path === OAUTH_ROUTES.token && isJson(request.headers['content-type'])) {
      const form = jsonToForm(body);
      if (form === undefined) {
        await reply.code(400).send({ error: 'invalid_request', error_description: 'The JSON body must be an object of string values' });
        return;
      }
      body = form;
      raw.headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (request.method === 'POST' && CLIENT_AUTHENTICATED.has(path) && (await refused(request, reply, body, deps))) return;
    if (body !== undefined) raw.body = body;
    raw.headers.host = publicUrl.host;
    raw.headers['x-forwarded-host'] = publicUrl.host;
    raw.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    if (path === AS_METADATA) raw.url = DISCOVERY + request.url.slice(AS_METADATA.length);
    if (basePath) raw.originalUrl = basePath + raw.url;
    // Argus's own headers (security headers, request id) set by the onRequest hooks; the CSP's
    // form-action also allowing the application a page's form ends at (see withFormTargets).
    const targets = await formTargets(provider, path, request.url, body);
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined) continue;
      const csp = name.toLowerCase() === 'content-security-policy' && typeof value === 'string';
      reply.raw.setHeader(name, csp ? withFormTargets(value, targets) : value);
    }
    reply.hijack();
    let callback = callbacks.get(provider);
    if (!callback) {
      callbacks.set(provider, (callback = provider.callback() as never));
      provider.on('end_session.success', (ctx: EndSessionContext) => {
        const accountId = ctx.oidc.session?.accountId;
        if (ctx.oidc.params?.logout && accountId) ctx.req[SIGNED_OUT] = accountId;
      });
    }
    if (path === `${OAUTH_ROUTES.end_session}/confirm`) {
      // A confirmed logout also ends the dashboard session the login page shares when it is the
      // same user's (RP-initiated logout), else the next authorization would sign them straight
      // back in; not when the library signs the previous user out because the browser's session
      // now belongs to someone else (a switch of account). Done before the answer leaves, so the
      // browser's next request already finds it ended.
      const res = reply.raw;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const accountId = raw[SIGNED_OUT];
        if (!accountId) return end(...args);
        void deps
          .endBrowserSession(request, accountId)
          .catch(() => undefined)
          .finally(() => end(...args));
        return res;
      }) as typeof res.end;
    }
    await callback(raw, reply.raw);
  };

  void fastify.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, text, done) => done(null, text));
    scope.all('/oauth/*', handle);
    scope.get(DISCOVERY, handle);
    scope.get(AS_METADATA, handle);
    done();
  });
}

/**
 * Where a page the library renders here may send its form, through redirects: the authorization
 * request's redirect URI (the response_mode=form_post page; when resuming, the interaction's, for
 * the self-submitting form that signs a previous user out), end-session's post-logout URI. The
 * library validates them against the client; an unregistered one only ever gets an error page.
 */
async function formTargets(provider: OidcProvider, path: string, url: string, body: string | undefined): Promise<string[]> {
  // The token, introspection and revocation calls render no page: nothing is parsed for them.
  const param = (name: string): string[] => {
    const value = parseQuery(url.split('?')[1] ?? '')[name] ?? (body ? parseQuery(body)[name] : undefined);
    return typeof value === 'string' ? [value] : [];
  };
  if (path === OAUTH_ROUTES.authorization) return param('redirect_uri');
  if (path === OAUTH_ROUTES.end_session) return param('post_logout_redirect_uri');
  if (!path.startsWith(`${OAUTH_ROUTES.authorization}/`)) return [];
  const uid = path.slice(OAUTH_ROUTES.authorization.length + 1).split('/')[0];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) return [];
  const interaction = await provider.Interaction.find(uid).catch(() => undefined);
  const redirectUri: unknown = interaction?.params?.redirect_uri;
  return typeof redirectUri === 'string' ? [redirectUri] : [];
}

/** The library's endpoints and their sub-paths (`/oauth/authorize/<uid>` resumes, `/oauth/end-session/confirm`…). */
// Registration is Argus's own route (the registration module), not the library's: without it, a 404.
const PROVIDER_PATHS = Object.values(OAUTH_ROUTES).filter((route) => route !== OAUTH_ROUTES.registration);
function isProviderPath(path: string): boolean {
  return path === DISCOVERY || path === AS_METADATA || PROVIDER_PATHS.some((route) => path === route || path.startsWith(`${route}/`));
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

/** `{"grant_type":"client_credentials",…}` → its form encoding; undefined unless a flat object of strings (or string arrays). */
export function jsonToForm(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const valid = Object.values(parsed).every(
    (value) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string')),
  );
  return valid ? stringifyQuery(parsed as Record<string, string | string[]>) : undefined;
}

/** The client a request says it is, before the library authenticates it: Basic, client_id, or a client assertion's subject. */
export function claimedClientId(authorization: string | undefined, body: string | undefined): string | undefined {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString();
    const colon = decoded.indexOf(':');
    try {
      return decodeURIComponent((colon < 0 ? decoded : decoded.slice(0, colon)).replace(/\+/g, ' ')) || undefined;
    } catch {
      return undefined;
    }
  }
  if (!body) return undefined;
  const form = parseQuery(body);
  if (typeof form.client_id === 'string' && form.client_id) return form.client_id;
  if (typeof form.client_assertion === 'string') {
    const sub = decodeJwt(form.client_assertion)?.payload.sub;
    return typeof sub === 'string' ? sub : undefined;
  }
  return undefined;
}

/**
 * Charges the call: to the client it names when that is a registered application (the `oauth`
 * kind, RATE_LIMIT_OAUTH and its burst), else to the caller's address as any anonymous call.
 * A refusal is answered here, as a 429 in the OAuth error shape with Retry-After.
 */
async function refused(
  request: FastifyRequest,
  reply: FastifyReply,
  body: string | undefined,
  deps: ProviderMountDependencies,
): Promise<boolean> {
  const clientId = claimedClientId(request.headers.authorization, body);
  const application = clientId && clientId.length <= 64 ? await deps.applications.get(clientId) : null;
  let headers: Record<string, string> = {};
  let retryAfterMs = 0;
  if (application && !application.revokedAt) {
    const verdict = await deps.limits.chargeOAuthClient(application.clientId);
    if (verdict.allowed) return false;
    ({ headers, retryAfterMs } = verdict);
  } else {
    try {
      await deps.limits.chargeAnonymous(request.ip);
      return false;
    } catch (error) {
      if (!(error instanceof AppException) || error.getStatus() !== 429) throw error;
      headers = error.headers ?? {};
      retryAfterMs = Number(headers['Retry-After'] ?? 1) * 1000;
      delete headers['Retry-After'];
    }
  }
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  await reply
    .code(429)
    .headers({ ...headers, 'retry-after': String(seconds), 'cache-control': 'no-store' })
    .send({ error: 'rate_limited', error_description: `Too many requests; retry after ${seconds} s` });
  return true;
}
