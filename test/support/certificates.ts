import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/** A certificate and its key: the PEM files' paths and contents, and its x5t#S256. */
export interface Issued {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  thumbprint: string;
}

/**
 * A throw-away PKI made with the `openssl` command line, as an operator would: a CA, a server
 * certificate for 127.0.0.1/localhost, and client certificates issued by that CA (or self-signed).
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'argus-pki-'));
  readonly ca: Issued;
  readonly server: Issued;

  constructor() {
    this.ca = this.selfSigned('ca', 'Argus Test CA', [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ]);
    this.server = this.issue('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  }

  /** A client certificate issued by the CA. */
  client(name: string): Issued {
    return this.issue(name, name, 'extendedKeyUsage=clientAuth\n');
  }

  /** A certificate no configured CA issued. */
  selfSigned(name: string, cn = name, extra: string[] = []): Issued {
    const keyPath = join(this.dir, `${name}.key`);
    const certPath = join(this.dir, `${name}.crt`);
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      ...extra,
    ]);
    return this.read(certPath, keyPath);
  }

  /** A file that is there but holds no PEM (for the configuration's errors). */
  file(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private issue(name: string, cn: string, extensions: string): Issued {
    const keyPath = join(this.dir, `${name}.key`);
    const csrPath = join(this.dir, `${name}.csr`);
    const certPath = join(this.dir, `${name}.crt`);
    const extPath = this.file(`${name}.ext`, extensions);
    openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      `/CN=${cn}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      this.ca.certPath,
      '-CAkey',
      this.ca.keyPath,
      '-CAcreateserial',
      '-out',
      certPath,
      '-days',
      '2',
      '-extfile',
      extPath,
    ]);
    return this.read(certPath, keyPath);
  }

  private read(certPath: string, keyPath: string): Issued {
    const cert = readFileSync(certPath, 'utf8');
    return { certPath, keyPath, cert, key: readFileSync(keyPath, 'utf8'), thumbprint: opensslThumbprint(certPath) };
  }
}

/** The README's recipe, so the test proves the documented command gives what Argus compares. */
export function opensslThumbprint(certPath: string): string {
  const der = execFileSync('openssl', ['x509', '-in', certPath, '-outform', 'DER']);
  const viaNode = createHash('sha256').update(new X509Certificate(der).raw).digest('base64url');
  const viaOpenssl = execFileSync(
    'sh',
    ['-c', `openssl x509 -in '${certPath}' -outform DER | openssl dgst -sha256 -binary | basenc --base64url | tr -d '='`],
    {
      encoding: 'utf8',
    },
  ).trim();
  if (viaOpenssl !== viaNode) throw new Error(`thumbprints differ: ${viaOpenssl} vs ${viaNode}`);
  return viaOpenssl;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export interface TlsResponse {
  status: number;
  body: any;
  text: string;
}

/**
 * One request to 127.0.0.1:`port` over TLS, on a connection of its own (`agent: false`: a client
 * certificate belongs to a connection), trusting `ca`, presenting `client` if given.
 */
export function requestOverTls(
  port: number,
  ca: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; payload?: { type: string; text: string }; client?: Issued } = {},
): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        ca,
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        headers: { ...(options.payload ? { 'content-type': options.payload.type } : {}), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(options.payload?.text);
  });
}
