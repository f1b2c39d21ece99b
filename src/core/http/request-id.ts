import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's `X-Request-ID` when it is short and printable (so it is safe in logs and
 * headers), otherwise a fresh UUID. Used by Fastify for `request.id`.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
