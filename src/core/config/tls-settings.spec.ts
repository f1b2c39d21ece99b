import { TestPki } from '../../../test/support/certificates';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { readClientCertHeader, readTlsSettings } from './tls-settings';

/** The settings and the problems the reader collected (each starts with the variable's name). */
function read(env: Record<string, string>): { tls: ReturnType<typeof readTlsSettings>; header: string; problems: string[] } {
  const reader = new EnvReader(env);
  const tls = readTlsSettings(reader);
  const header = readClientCertHeader(reader);
  try {
    reader.assertValid();
    return { tls, header, problems: [] };
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { tls, header, problems: (error as ConfigError).problems };
  }
}

describe('TLS settings', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = new TestPki();
  });

  afterAll(() => pki.remove());

  it('serves plain HTTP and reads x-client-cert by default', () => {
    expect(read({})).toEqual({ tls: {}, header: 'x-client-cert', problems: [] });
  });

  it('reads the certificate, the key and the client CA bundle', () => {
    const { tls, problems } = read({ TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath, TLS_CLIENT_CA: pki.ca.certPath });
    expect(problems).toEqual([]);
    expect(tls.server?.cert.toString()).toBe(pki.server.cert);
    expect(tls.server?.key.toString()).toBe(pki.server.key);
    expect(tls.clientCa?.toString()).toBe(pki.ca.cert);
  });

  it('takes TLS_CLIENT_CA alone: it then judges the certificates a trusted proxy forwards', () => {
    const { tls, problems } = read({ TLS_CLIENT_CA: pki.ca.certPath });
    expect(problems).toEqual([]);
    expect(tls.server).toBeUndefined();
    expect(tls.clientCa).toBeDefined();
  });

  it.each([
    ['TLS_CERT without TLS_KEY', 'TLS_CERT', 'TLS_KEY: must be set with TLS_CERT (both or neither)'],
    ['TLS_KEY without TLS_CERT', 'TLS_KEY', 'TLS_CERT: must be set with TLS_KEY (both or neither)'],
  ])('refuses %s', (_case, only, problem) => {
    const path = only === 'TLS_CERT' ? pki.server.certPath : pki.server.keyPath;
    const { tls, problems } = read({ [only]: path });
    expect(problems).toEqual([problem]);
    expect(tls.server).toBeUndefined();
  });

  it.each(['TLS_CERT', 'TLS_KEY', 'TLS_CLIENT_CA'])('names %s when its file cannot be read', (name) => {
    const env: Record<string, string> = { TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath, [name]: '/nonexistent/argus.pem' };
    const { problems } = read(env);
    expect(problems).toEqual([`${name}: cannot read "/nonexistent/argus.pem" (ENOENT)`]);
  });

  it('names a file that is not PEM, and a key that is not the certificate’s', () => {
    const notPem = pki.file('not-pem.txt', 'hello');
    expect(read({ TLS_CERT: notPem, TLS_KEY: pki.server.keyPath }).problems).toEqual([
      `TLS_CERT: "${notPem}" is not a PEM file with a CERTIFICATE`,
    ]);
    // A key where the certificate should be: PEM, but no certificate in it.
    expect(read({ TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath, TLS_CLIENT_CA: pki.server.keyPath }).problems).toEqual([
      `TLS_CLIENT_CA: "${pki.server.keyPath}" is not a PEM file with a CERTIFICATE`,
    ]);
    const other = pki.selfSigned('mismatch');
    const mismatch = read({ TLS_CERT: pki.server.certPath, TLS_KEY: other.keyPath }).problems;
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]).toMatch(/^TLS_CERT\/TLS_KEY: not usable for TLS \(.+\)$/);
  });

  it('never puts a key’s content in a problem', () => {
    const other = pki.selfSigned('leak-check');
    const { problems } = read({ TLS_CERT: pki.server.certPath, TLS_KEY: other.keyPath });
    const keyBody = other.key.split('\n')[1];
    expect(problems.join('\n')).not.toContain(keyBody);
  });

  it('lower-cases CLIENT_CERT_HEADER and refuses a value that is not a header name', () => {
    expect(read({ CLIENT_CERT_HEADER: 'X-SSL-Client-Cert' }).header).toBe('x-ssl-client-cert');
    expect(read({ CLIENT_CERT_HEADER: 'bad header:' }).problems).toEqual([
      'CLIENT_CERT_HEADER: must be an HTTP header name (got "bad header:")',
    ]);
  });
});
