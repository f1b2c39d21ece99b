import { KeyObject, createHmac, generateKeyPairSync, sign, timingSafeEqual, verify } from 'node:crypto';

/**
 * Compact JWS (RFC 7515) for Argus's JWTs, on Node's crypto alone. Why not a library:
 * jsonwebtoken (under @nestjs/jwt and passport-jwt) has no EdDSA, and jose is ESM-only (this
 * build is CommonJS, and its verification is asynchronous, which the hot path does not need).
 * The four algorithms below are one call each in node:crypto, and owning the parser keeps the
 * rules in one place: the algorithm comes from the key, never from the token (no `none`, no
 * HS/RS confusion), and a header with `crit` or a non-compact token is refused.
 */
export const ASYMMETRIC_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export const JWT_ALGORITHMS = [...ASYMMETRIC_ALGORITHMS, 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const isAsymmetric = (alg: JwtAlgorithm): alg is AsymmetricAlgorithm => alg !== 'HS256';

/** The public half of a signing key as JWKS publishes it (RFC 7517): never `d`, `p`, `q`, `dp`, `dq` or `qi`. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

export interface GeneratedKeyPair {
  publicJwk: PublicJwk;
  /** PKCS#8 PEM: to be sealed before it is stored. */
  privatePem: string;
}

export function generateKeyPair(alg: AsymmetricAlgorithm, kid: string): GeneratedKeyPair {
  const { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const publicJwk = { kid, alg, use: 'sig' } as PublicJwk;
  // Copies the public members only, so a private one can never ride along by accident.
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) publicJwk[member] = jwk[member];
  return { publicJwk, privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
}

/** Which key types may hold which algorithm: a key is only ever used with its own. */
export function keyFits(alg: JwtAlgorithm, key: KeyObject): boolean {
  switch (alg) {
    case 'HS256':
      return key.type === 'secret';
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519';
    case 'RS256':
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  }
}

function signature(alg: JwtAlgorithm, data: Buffer, key: KeyObject): Buffer {
  switch (alg) {
    case 'HS256':
      return createHmac('sha256', key).update(data).digest();
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, key);
    case 'RS256':
      return sign('sha256', data, key);
  }
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `payload` as a compact JWS with `alg` and `kid` (omitted for HS256, as Argus always signed). */
export function signJwt(payload: object, alg: JwtAlgorithm, key: KeyObject, kid?: string): string {
  const header = kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' };
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${signature(alg, Buffer.from(unsigned), key).toString('base64url')}`;
}

export interface DecodedJwt {
  header: { alg: string; kid?: string; typ?: string };
  payload: Record<string, unknown>;
  /** `header.payload`, the signed bytes. */
  signingInput: string;
  /** The third part, as sent (the verified-token cache's key). */
  signature: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function parsePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS; undefined for anything else (JWE, JSON serialisation, garbage, `crit`). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return undefined;
  const header = parsePart(parts[0]);
  const payload = parsePart(parts[1]);
  if (!header || !payload || typeof header.alg !== 'string' || header.crit !== undefined) return undefined;
  if (header.kid !== undefined && typeof header.kid !== 'string') return undefined;
  return {
    header: header as DecodedJwt['header'],
    payload,
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: parts[2],
  };
}

/** Checks the signature with `key` under `alg`, the algorithm the key was made for (the caller's, not the token's). */
export function verifySignature(jwt: DecodedJwt, alg: JwtAlgorithm, key: KeyObject): boolean {
  if (jwt.header.alg !== alg || !keyFits(alg, key)) return false;
  const data = Buffer.from(jwt.signingInput);
  const presented = Buffer.from(jwt.signature, 'base64url');
  try {
    switch (alg) {
      case 'HS256': {
        const expected = signature(alg, data, key);
        return presented.length === expected.length && timingSafeEqual(presented, expected);
      }
      case 'ES256':
        return presented.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, presented);
      case 'EdDSA':
        return verify(null, data, key, presented);
      case 'RS256':
        return verify('sha256', data, key, presented);
    }
  } catch {
    return false;
  }
}
