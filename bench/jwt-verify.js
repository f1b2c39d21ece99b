#!/usr/bin/env node
/**
 * `node bench/jwt-verify.js` (after `npm run build`): the CPU cost of verifying one access token,
 * per algorithm, in this process: a full verification (signature and claims) and a hit in the
 * verified-token cache, which is what the JWT hot path pays from a token's second request on.
 */
'use strict';
const { createPrivateKey, createPublicKey, createSecretKey } = require('node:crypto');
const { join } = require('node:path');
const dist = (path) => require(join(__dirname, '..', 'dist', 'src', path));
const { generateKeyPair, signJwt, decodeJwt, verifySignature } = dist('auth/signing/jws');
const { VerifiedTokenCache } = dist('auth/signing/verified-token-cache');

const N = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const now = Math.floor(Date.now() / 1000);
const claims = { sub: '7d6f1b0e-3d2f-4c53-9a41-0d7c9d2a5e11', jti: '7d6f1b0e-3d2f-4c53-9a41-0d7c9d2a5e12', iat: now, exp: now + 3600, aud: 'argus-api', iss: 'argus' };

function time(fn) {
  for (let i = 0; i < Math.min(N, 2000); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / N;
}

const rows = [];
for (const alg of ['HS256', 'ES256', 'EdDSA', 'RS256']) {
  let signKey, verifyKey;
  if (alg === 'HS256') signKey = verifyKey = createSecretKey(Buffer.from('s'.repeat(48)));
  else {
    const { publicJwk, privatePem } = generateKeyPair(alg, 'kid');
    signKey = createPrivateKey(privatePem);
    verifyKey = createPublicKey({ key: publicJwk, format: 'jwk' });
  }
  const token = signJwt(claims, alg, signKey, alg === 'HS256' ? undefined : 'kid');
  const cache = new VerifiedTokenCache(10_000);
  const jwt = decodeJwt(token);
  cache.set(jwt.signature, { signingInput: jwt.signingInput, payload: jwt.payload, kid: 'kid', expiresAtMs: (now + 3600) * 1000 });
  const sign = time(() => signJwt(claims, alg, signKey, 'kid'));
  const verify = time(() => {
    const decoded = decodeJwt(token);
    if (!verifySignature(decoded, alg, verifyKey)) throw new Error('not verified');
  });
  const hit = time(() => {
    // As JwtVerifier looks up: split at the last dot, no parsing.
    const dot = token.lastIndexOf('.');
    if (!cache.get(token.slice(dot + 1), token.slice(0, dot))) throw new Error('miss');
  });
  rows.push({ alg, 'sign µs': sign.toFixed(1), 'verify µs': verify.toFixed(1), 'cache hit µs': hit.toFixed(1) });
}
console.table(rows);
