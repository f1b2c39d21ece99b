import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { ASYMMETRIC_ALGORITHMS, decodeJwt, generateKeyPair, keyFits, signJwt, verifySignature } from './jws';
import { createPrivateKey, createPublicKey } from 'node:crypto';

const claims = { sub: 'user', exp: 2_000_000_000 };

describe('compact JWS on node:crypto', () => {
  it.each(ASYMMETRIC_ALGORITHMS)('%s: signs with the private key, verifies with the public JWK, carries the kid', (alg) => {
    const { publicJwk, privatePem } = generateKeyPair(alg, 'kid-1');
    expect(Object.keys(publicJwk).some((member) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(member))).toBe(false);
    const publicKey = createPublicKey({ key: publicJwk as never, format: 'jwk' });
    const token = signJwt(claims, alg, createPrivateKey(privatePem), 'kid-1');
    const jwt = decodeJwt(token);
    expect(jwt?.header).toEqual({ alg, typ: 'JWT', kid: 'kid-1' });
    expect(jwt?.payload).toEqual(claims);
    expect(verifySignature(jwt!, alg, publicKey)).toBe(true);
    // The algorithm is the key's: the same token checked under another is refused.
    for (const other of ASYMMETRIC_ALGORITHMS.filter((a) => a !== alg)) expect(verifySignature(jwt!, other, publicKey)).toBe(false);
  });

  it('HS256 signs as jsonwebtoken did: no kid, HMAC-SHA256 of the secret', () => {
    const secret = createSecretKey(Buffer.from('s'.repeat(48)));
    const token = signJwt(claims, 'HS256', secret);
    const jwt = decodeJwt(token)!;
    expect(jwt.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(verifySignature(jwt, 'HS256', secret)).toBe(true);
    expect(verifySignature(jwt, 'HS256', createSecretKey(Buffer.from('t'.repeat(48))))).toBe(false);
  });

  it('never verifies an HMAC under a public key, nor a signature under the wrong key type', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const forged = decodeJwt(signJwt(claims, 'HS256', createSecretKey(Buffer.from(pem))))!;
    expect(verifySignature(forged, 'HS256', publicKey)).toBe(false);
    expect(verifySignature(forged, 'ES256', publicKey)).toBe(false);
    expect(keyFits('HS256', publicKey)).toBe(false);
    expect(keyFits('RS256', publicKey)).toBe(false);
    expect(keyFits('ES256', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey)).toBe(false);
    expect(keyFits('RS256', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)).toBe(false);
  });

  it('decodes compact JWS only', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = b64(claims);
    for (const token of [
      '',
      'a.b',
      `${b64({ alg: 'none' })}.${body}.`,
      `${b64({ alg: 'ES256' })}.${body}.sig.extra`,
      `${b64({ alg: 'ES256', crit: ['exp'] })}.${body}.sig`,
      `${b64({ alg: 'ES256', kid: 7 })}.${body}.sig`,
      `${b64({ kid: 'x' })}.${body}.sig`,
      `${b64([1])}.${body}.sig`,
      `${b64({ alg: 'ES256' })}.${b64('text')}.sig`,
      `${b64({ alg: 'ES256' })}.${body}.s+g`,
      `not-json.${body}.sig`,
    ]) {
      expect(decodeJwt(token)).toBeUndefined();
    }
    expect(decodeJwt(`${b64({ alg: 'ES256', kid: 'k' })}.${body}.sig`)).toMatchObject({
      header: { alg: 'ES256', kid: 'k' },
      signature: 'sig',
    });
  });
});
