import type { ServerOptions } from 'node:https';
import type { TlsSettings } from '../config/tls-settings';

/**
 * Fastify's `https` options when Argus serves TLS itself (TLS_CERT, TLS_KEY); none otherwise.
 * With TLS_CLIENT_CA the handshake asks for a client certificate but admits a client without one
 * (or with one the CA did not issue): most routes need none, and a route that does (a key bound to
 * a certificate, an mTLS OAuth client) refuses with its own error rather than a failed handshake.
 */
export function httpsOptions(tls: TlsSettings): { https?: ServerOptions } {
  if (!tls.server) return {};
  const clientCertificates: ServerOptions = tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {};
  return { https: { cert: tls.server.cert, key: tls.server.key, ...clientCertificates } };
}
