import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { TrustProxy } from '../config/parsers';
import { compileIpAllowlist } from './ip-allowlist';

/** The client certificate a request presented (RFC 8705), from Argus's own TLS listener or a trusted proxy. */
export interface ClientCertificate {
  /** `x5t#S256`: base64url SHA-256 of the DER (43 characters). */
  thumbprint: string;
  /** RFC 4514 order (`CN=client,O=Example,C=FR`), the form `tls_client_auth_subject_dn` is registered in. */
  subjectDn: string;
  der: Buffer;
  /** Chains to TLS_CLIENT_CA (the TLS handshake's verdict; for a proxy's header: issued by one of its certificates, within validity). */
  authorized: boolean;
  /** Parsed once; what oidc-provider's mTLS feature takes. */
  x509: X509Certificate;
}

/** How an app finds certificates: attached to every raw request by {@link clientCertificateHook}. */
export interface ClientCertificateSettings {
  /** Whether the direct peer address is a trusted proxy (TRUST_PROXY). */
  trustsPeer: (address: string | undefined) => boolean;
  /** Lower-case header name (CLIENT_CERT_HEADER); only read from a trusted proxy. */
  header: string;
  /** TLS_CLIENT_CA's certificates, to judge a proxy-forwarded certificate. */
  authorities: X509Certificate[];
}

/** A Fastify request (`raw`), a Koa context's `req`, or the bare Node request. */
export type CertificateRequest = IncomingMessage | { raw: IncomingMessage };

const SETTINGS = Symbol('argus.clientCertificateSettings');
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

type Tagged = IncomingMessage & { [SETTINGS]?: ClientCertificateSettings };

const byRequest = new WeakMap<IncomingMessage, ClientCertificate | null>();
const bySocket = new WeakMap<TLSSocket, ClientCertificate | null>();

/** True for a well-formed x5t#S256 value (43 base64url characters). */
export function isCertificateThumbprint(value: string): boolean {
  return THUMBPRINT.test(value);
}

/** Compiles the settings once per app (TRUST_PROXY as Fastify reads it, CLIENT_CERT_HEADER, TLS_CLIENT_CA's PEM bundle). */
export function clientCertificateSettings(options: {
  trustProxy: TrustProxy;
  header: string;
  clientCa?: string | Buffer;
}): ClientCertificateSettings {
  return {
    trustsPeer: compileTrust(options.trustProxy),
    header: options.header.toLowerCase(),
    authorities: options.clientCa ? splitPemBundle(options.clientCa.toString()) : [],
  };
}

/** A Fastify onRequest hook that lets {@link clientCertificate} find the app's settings from any view of the request. */
export function clientCertificateHook(settings: ClientCertificateSettings) {
  return (request: { raw: IncomingMessage }, _reply: unknown, done: () => void): void => {
    (request.raw as Tagged)[SETTINGS] = settings;
    done();
  };
}

/**
 * The certificate this request presented, or null. A trusted proxy's header (TRUST_PROXY on and
 * the direct peer trusted) wins over the TLS socket's own peer certificate: behind such a proxy the
 * socket's certificate, if any, is the proxy's. Without TRUST_PROXY the header is ignored. An
 * unparsable header counts as no certificate. Cached per request and per TLS connection.
 */
export function clientCertificate(request: CertificateRequest): ClientCertificate | null {
  const raw = rawOf(request);
  const cached = byRequest.get(raw);
  if (cached !== undefined) return cached;
  const settings = (raw as Tagged)[SETTINGS];
  const found = (settings && fromProxyHeader(raw, settings)) ?? fromSocket(raw.socket as TLSSocket);
  byRequest.set(raw, found);
  return found;
}

export function clientCertificateThumbprint(request: CertificateRequest): string | null {
  return clientCertificate(request)?.thumbprint ?? null;
}

/**
 * oidc-provider's `features.mTLS` functions over {@link clientCertificate}. `requestOf` maps the
 * provider's Koa context to the Node request (default `ctx.req`, which is Fastify's `request.raw`).
 */
export function oidcMtlsFeature<Context = { req: IncomingMessage }>(
  requestOf: (ctx: Context) => CertificateRequest = (ctx) => (ctx as { req: IncomingMessage }).req,
) {
  return {
    getCertificate: (ctx: Context): X509Certificate | undefined => clientCertificate(requestOf(ctx))?.x509,
    certificateAuthorized: (ctx: Context): boolean => clientCertificate(requestOf(ctx))?.authorized === true,
    certificateSubjectMatches: (ctx: Context, property: string, expected: string): boolean => {
      const certificate = clientCertificate(requestOf(ctx));
      return certificate ? subjectMatches(certificate, property, expected) : false;
    },
  };
}

/** `tls_client_auth_subject_dn` (RFC 4514, compared per attribute) or one of the `tls_client_auth_san_*` properties. */
export function subjectMatches(certificate: ClientCertificate, property: string, expected: string): boolean {
  if (property === 'tls_client_auth_subject_dn') return sameDn(certificate.subjectDn, expected);
  const prefix = SAN_PREFIXES[property];
  if (!prefix) return false;
  const names = (certificate.x509.subjectAltName ?? '').split(', ');
  return names.some((name) => {
    if (!name.startsWith(prefix)) return false;
    const value = name.slice(prefix.length);
    return prefix === 'DNS:' || prefix === 'email:' ? value.toLowerCase() === expected.toLowerCase() : value === expected;
  });
}

const SAN_PREFIXES: Record<string, string> = {
  tls_client_auth_san_dns: 'DNS:',
  tls_client_auth_san_uri: 'URI:',
  tls_client_auth_san_ip: 'IP Address:',
  tls_client_auth_san_email: 'email:',
};

/** A certificate from its DER; `authorized` as judged by the caller. */
export function describeCertificate(x509: X509Certificate, authorized: boolean): ClientCertificate {
  const der = x509.raw;
  return {
    thumbprint: createHash('sha256').update(der).digest('base64url'),
    subjectDn: x509.subject.split('\n').reverse().join(','),
    der,
    authorized,
    x509,
  };
}

function rawOf(request: CertificateRequest): IncomingMessage {
  return 'raw' in request && request.raw ? request.raw : (request as IncomingMessage);
}

function fromSocket(socket: TLSSocket | undefined): ClientCertificate | null {
  if (!socket || typeof socket.getPeerCertificate !== 'function') return null;
  const cached = bySocket.get(socket);
  if (cached !== undefined) return cached;
  const peer = socket.getPeerCertificate();
  let found: ClientCertificate | null = null;
  if (peer && peer.raw) {
    try {
      found = describeCertificate(new X509Certificate(peer.raw), socket.authorized === true);
    } catch {
      found = null;
    }
  }
  bySocket.set(socket, found);
  return found;
}

function fromProxyHeader(raw: IncomingMessage, settings: ClientCertificateSettings): ClientCertificate | null | undefined {
  const value = raw.headers[settings.header];
  if (value === undefined) return undefined;
  if (!settings.trustsPeer(raw.socket?.remoteAddress)) return undefined;
  if (typeof value !== 'string' || value.length > 16_384) return null;
  try {
    const x509 = new X509Certificate(decodeURIComponent(value.replace(/^"|"$/g, '')));
    return describeCertificate(x509, issuedByAny(x509, settings.authorities));
  } catch {
    return null;
  }
}

function issuedByAny(x509: X509Certificate, authorities: X509Certificate[]): boolean {
  const now = Date.now();
  if (now < Date.parse(x509.validFrom) || now > Date.parse(x509.validTo)) return false;
  return authorities.some((ca) => x509.checkIssued(ca) && x509.verify(ca.publicKey));
}

function splitPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

function compileTrust(trustProxy: TrustProxy): (address: string | undefined) => boolean {
  if (trustProxy === true) return () => true;
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return () => trustProxy > 0;
  return compileIpAllowlist(trustProxy.flatMap((entry) => PROXY_RANGES[entry] ?? [entry]));
}

/** proxy-addr's named ranges, which Fastify's TRUST_PROXY accepts. */
const PROXY_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function sameDn(actual: string, expected: string): boolean {
  const a = dnParts(actual);
  const b = dnParts(expected);
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** `CN = x, O=y` → [`cn=x`, `o=y`]: attribute types are case-insensitive, values compared as written. */
function dnParts(dn: string): string[] {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => {
      const at = rdn.indexOf('=');
      return at < 0 ? rdn.trim() : `${rdn.slice(0, at).trim().toLowerCase()}=${rdn.slice(at + 1).trim()}`;
    })
    .filter(Boolean);
}
