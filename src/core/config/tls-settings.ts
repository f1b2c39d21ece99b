import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { EnvReader } from './env-reader';

/** Argus's own HTTPS listener (TLS_CERT, TLS_KEY) and the authority its clients' certificates chain to (TLS_CLIENT_CA). */
export interface TlsSettings {
  /** Both or neither: Argus then serves HTTPS itself. */
  server?: { cert: Buffer; key: Buffer };
  /**
   * PEM bundle. With `server`, the listener asks every client for a certificate (and lets one
   * without it connect: a route decides); behind a proxy it judges the certificates the proxy forwards.
   */
  clientCa?: Buffer;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * TLS_CERT, TLS_KEY and TLS_CLIENT_CA, read and tried at start-up: a missing file, a file that is
 * not PEM or a key that does not match its certificate is a configuration problem named with its
 * variable, not a stack trace from the listener.
 */
export function readTlsSettings(reader: EnvReader): TlsSettings {
  const certPath = reader.optional('TLS_CERT');
  const keyPath = reader.optional('TLS_KEY');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    reader.problem(
      `${certPath === undefined ? 'TLS_CERT' : 'TLS_KEY'}: must be set with ${certPath === undefined ? 'TLS_KEY' : 'TLS_CERT'} (both or neither)`,
    );
  }
  const cert = readPem(reader, 'TLS_CERT', certPath, 'CERTIFICATE');
  const key = readPem(reader, 'TLS_KEY', keyPath, 'PRIVATE KEY');
  const clientCa = readPem(reader, 'TLS_CLIENT_CA', reader.optional('TLS_CLIENT_CA'), 'CERTIFICATE');
  const settings: TlsSettings = { ...(cert && key ? { server: { cert, key } } : {}), ...(clientCa ? { clientCa } : {}) };
  try {
    // What the listener will do with them: catches a key that is not the certificate's, an encrypted key, a bad CA.
    if (settings.server || settings.clientCa) createSecureContext({ ...settings.server, ca: settings.clientCa });
  } catch (error) {
    const names = settings.server ? 'TLS_CERT/TLS_KEY' : 'TLS_CLIENT_CA';
    reader.problem(`${names}: not usable for TLS (${error instanceof Error ? error.message : String(error)})`);
  }
  return settings;
}

/** CLIENT_CERT_HEADER: the header a trusted proxy forwards the client's certificate in (lower-case). */
export function readClientCertHeader(reader: EnvReader): string {
  const header = reader.string('CLIENT_CERT_HEADER', 'x-client-cert');
  if (!HEADER_NAME.test(header)) {
    reader.problem(`CLIENT_CERT_HEADER: must be an HTTP header name (got "${header}")`);
    return 'x-client-cert';
  }
  return header.toLowerCase();
}

function readPem(reader: EnvReader, name: string, path: string | undefined, label: string): Buffer | undefined {
  if (path === undefined) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    reader.problem(`${name}: cannot read "${path}" (${reason})`);
    return undefined;
  }
  if (!content.toString('latin1').includes(`-----BEGIN `) || !content.toString('latin1').includes(label)) {
    reader.problem(`${name}: "${path}" is not a PEM file with a ${label}`);
    return undefined;
  }
  return content;
}
