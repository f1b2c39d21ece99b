import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

/**
 * The SHA-256 thumbprint (base64url of the DER, RFC 8705 `x5t#S256`) of the client certificate
 * the TLS socket's peer presented, or null without TLS or a certificate. (Credential helper's
 * stand-in: the mtls helper's version also reads a proxied certificate under TRUST_PROXY.)
 */
export function clientCertificateThumbprint(request: FastifyRequest): string | null {
  const socket = request.raw.socket as Partial<TLSSocket> | undefined;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return null;
  const certificate = socket.getPeerCertificate();
  if (!certificate?.raw?.length) return null;
  return createHash('sha256').update(certificate.raw).digest('base64url');
}
