import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { AuthConfig, authConfig } from '../auth.config';
import { isAsymmetric, signJwt } from './jws';
import { SigningKeyStore } from './signing-key.store';

/**
 * Signs Argus's JWTs: with the active signing key and its `kid` (ES256, EdDSA, RS256), or, with
 * JWT_ALGORITHM=HS256, with JWT_SECRET as Argus always did. Claims are the caller's.
 */
@Injectable()
export class JwtSigner {
  private readonly secret?: KeyObject;

  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly store: SigningKeyStore,
  ) {
    // A KeyObject, built once (as the HMAC verifier's): cheaper than a string secret per call.
    if (!isAsymmetric(config.jwt.algorithm)) this.secret = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
  }

  sign(claims: object): string {
    const alg = this.config.jwt.algorithm;
    if (!isAsymmetric(alg)) return signJwt(claims, 'HS256', this.secret as KeyObject);
    const key = this.store.active(alg);
    // Start-up makes the key before the app serves; its absence is a bug, not a client error.
    if (!key?.privateKey) throw new Error(`No active ${alg} signing key`);
    return signJwt(claims, alg, key.privateKey, key.kid);
  }
}
