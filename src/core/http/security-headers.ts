import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { HelmetOptions } from 'helmet';

export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: [`'self'`],
      styleSrc: [`'self'`, `'unsafe-inline'`],
      imgSrc: [`'self'`, 'data:'],
      scriptSrc: [`'self'`],
      // Sent only on requests that came over https (see `securityHeadersFor`): on plain http
      // (Docker, a LAN host name) it would make the browser fetch /docs's assets over https.
      upgradeInsecureRequests: null,
    },
  },
};

/** HELMET_OPTIONS plus `upgrade-insecure-requests`, for requests that arrived over https. */
export const HTTPS_HELMET_OPTIONS: Readonly<HelmetOptions> = withDirectives(HELMET_OPTIONS, { upgradeInsecureRequests: [] });

/**
 * The dashboard's own page (index.html): it needs no inline style either (React sets styles
 * through the DOM, which CSP does not govern), talks only to its own origin, and may not be framed.
 */
export const DASHBOARD_HELMET_OPTIONS: Readonly<HelmetOptions> = withDirectives(HELMET_OPTIONS, {
  styleSrc: [`'self'`],
  connectSrc: [`'self'`],
  frameAncestors: [`'none'`],
});

export const HTTPS_DASHBOARD_HELMET_OPTIONS: Readonly<HelmetOptions> = withDirectives(DASHBOARD_HELMET_OPTIONS, {
  upgradeInsecureRequests: [],
});

function withDirectives(options: Readonly<HelmetOptions>, directives: Record<string, string[] | null>): Readonly<HelmetOptions> {
  const base = (options.contentSecurityPolicy as { directives: Record<string, string[] | null> }).directives;
  return { ...options, contentSecurityPolicy: { directives: { ...base, ...directives } } };
}

/**
 * Helmet's headers, computed once. With no per-request nonce they never change, and building
 * them per request (as @fastify/helmet does) measured at several percent of a request's CPU.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/** The headers of plain-http and of https requests, both computed once; `dashboard` for the dashboard's page. */
export interface SecurityHeaderSets {
  http: Readonly<Record<string, string>>;
  https: Readonly<Record<string, string>>;
  dashboard: { http: Readonly<Record<string, string>>; https: Readonly<Record<string, string>> };
}

export function securityHeaderSets(): SecurityHeaderSets {
  return {
    http: securityHeaders(HELMET_OPTIONS),
    https: securityHeaders(HTTPS_HELMET_OPTIONS),
    dashboard: { http: securityHeaders(DASHBOARD_HELMET_OPTIONS), https: securityHeaders(HTTPS_DASHBOARD_HELMET_OPTIONS) },
  };
}

/**
 * The set for a request: https when it came over TLS, directly or as a trusted proxy says in
 * `X-Forwarded-Proto` (Fastify's `request.protocol` follows TRUST_PROXY).
 */
export function securityHeadersFor(sets: SecurityHeaderSets, protocol: string): Readonly<Record<string, string>> {
  return protocol === 'https' ? sets.https : sets.http;
}

export function dashboardHeadersFor(sets: SecurityHeaderSets, protocol: string): Readonly<Record<string, string>> {
  return protocol === 'https' ? sets.dashboard.https : sets.dashboard.http;
}

/**
 * A Content-Security-Policy whose `form-action` also allows where a page's form may end up.
 * Browsers apply `form-action` to every redirect a form submission follows, and the OAuth pages'
 * forms end at the application's redirect URI (a code, or an error) through Argus's own 303s. Only
 * the origin (or a native app's private-use scheme) is added: `'self'` stays the only other target.
 */
export function withFormTargets(csp: string, targets: Array<string | undefined>): string {
  const sources = [...new Set(targets.map(formSource).filter((source): source is string => source !== undefined))];
  if (sources.length === 0) return csp;
  const directives = csp
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive && !directive.startsWith('form-action'));
  return [...directives, `form-action 'self' ${sources.join(' ')}`].join(';');
}

function formSource(target: string | undefined): string | undefined {
  if (!target) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) ? url.protocol : undefined;
}
