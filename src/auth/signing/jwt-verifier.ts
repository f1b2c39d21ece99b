import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, createSecretKey } from 'node:crypto';
import { AppException, unauthorized } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { AuthConfig, authConfig } from '../auth.config';
import { DecodedJwt, decodeJwt, isAsymmetric, verifySignature } from './jws';
import { SigningKeyStore } from './signing-key.store';
import { VerifiedTokenCache } from './verified-token-cache';

/** Verified tokens remembered per instance (about 1 KB each). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

const invalid = (): AppException => unauthorized(ErrorCode.InvalidToken, 'Invalid access token');
const expired = (): AppException => unauthorized(ErrorCode.TokenExpired, 'Access token has expired');

/**
 * Verifies Argus's JWTs: a compact JWS whose key is picked by `kid` among the published signing
 * keys and whose algorithm must be that key's (so `none`, HS256 under a public key, or any
 * algorithm other than the key's own is refused), or, with JWT_ALGORITHM=HS256, an HS256 token
 * under JWT_SECRET and nothing else; then `iss`, `aud`, `exp` and `nbf`. Times are read from the
 * system clock, as jsonwebtoken did before. A token verified once is remembered until its `exp`
 * (VerifiedTokenCache), so the asymmetric check is paid once per token, not per request.
 */
@Injectable()
export class JwtVerifier {
  private readonly secret?: KeyObject;
  readonly cache = new VerifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE);
  /**
   * OAuth access tokens verified, apart from login tokens: a hit skips the claim checks, and the
   * two kinds are checked against different issuers, audiences and `typ`.
   */
  readonly oauthCache = new VerifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE);

  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly store: SigningKeyStore,
  ) {
    if (!isAsymmetric(config.jwt.algorithm)) this.secret = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
    store.onRemoved((kid) => {
      this.cache.evictKid(kid);
      this.oauthCache.evictKid(kid);
    });
  }

  /** The token's claims once signature and claims hold; 401 invalid_token or token_expired otherwise. */
  async verify(token: string): Promise<Record<string, unknown>> {
    // The cache first, before any parsing: a hit is the very bytes of a token verified before.
    const dot = token.lastIndexOf('.');
    const cached = dot > 0 ? this.cache.get(token.slice(dot + 1), token.slice(0, dot)) : undefined;
    // The key must still verify: an entry never outlives its token, but a key may end early (deleted).
    if (cached && (cached.kid === null || this.store.verifies(cached.kid))) return cached.payload;
    const jwt = decodeJwt(token);
    if (!jwt) throw invalid();
    const kid = await this.checkSignature(jwt);
    const exp = this.checkClaims(jwt.payload, this.config.jwt.issuer, this.config.jwt.audience);
    this.cache.set(jwt.signature, { signingInput: jwt.signingInput, payload: jwt.payload, kid, expiresAtMs: exp * 1000 });
    return jwt.payload;
  }

  /**
   * An OAuth access token (RFC 9068) that Argus's authorization server issued: header `typ`
   * `at+jwt`, signed by one of the published asymmetric signing keys (never HS256, whatever
   * JWT_ALGORITHM says: a client verifies these against the JWKS), then `exp`, `nbf`, and `iss`
   * and `aud` both `issuer` (ARGUS_PUBLIC_URL). Cached apart from login tokens.
   */
  async verifyOAuthAccessToken(token: string, issuer: string): Promise<Record<string, unknown>> {
    const dot = token.lastIndexOf('.');
    const cached = dot > 0 ? this.oauthCache.get(token.slice(dot + 1), token.slice(0, dot)) : undefined;
    if (cached?.kid && this.store.verifies(cached.kid)) return cached.payload;
    const jwt = decodeJwt(token);
    if (!jwt || typeof jwt.header.typ !== 'string' || jwt.header.typ.toLowerCase() !== 'at+jwt') throw invalid();
    const kid = await this.checkAsymmetricSignature(jwt);
    const exp = this.checkClaims(jwt.payload, issuer, issuer);
    this.oauthCache.set(jwt.signature, { signingInput: jwt.signingInput, payload: jwt.payload, kid, expiresAtMs: exp * 1000 });
    return jwt.payload;
  }

  /** Forgets a token (revocation): its next presentation is verified afresh. */
  forget(token: string): void {
    const jwt = decodeJwt(token);
    if (jwt) this.cache.delete(jwt.signature);
  }

  private async checkSignature(jwt: DecodedJwt): Promise<string | null> {
    if (this.secret) {
      if (!verifySignature(jwt, 'HS256', this.secret)) throw invalid();
      return null;
    }
    return this.checkAsymmetricSignature(jwt);
  }

  private async checkAsymmetricSignature(jwt: DecodedJwt): Promise<string> {
    const kid = jwt.header.kid;
    // Only asymmetric algorithms get as far as a key look-up: `none` and HS* never cost a query.
    if (!kid || !['ES256', 'EdDSA', 'RS256'].includes(jwt.header.alg)) throw invalid();
    const key = await this.store.find(kid);
    if (!key || !verifySignature(jwt, key.alg, key.publicKey)) throw invalid();
    return kid;
  }

  /** `exp` (required), `nbf` and `iat` numeric when present, `iss` and `aud` as expected; returns `exp`. */
  private checkClaims(payload: Record<string, unknown>, issuer: string, audience: string): number {
    const { exp, nbf, iat, iss, aud } = payload;
    const now = Math.floor(Date.now() / 1000);
    if (typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number') || (iat !== undefined && typeof iat !== 'number')) {
      throw invalid();
    }
    // jsonwebtoken's order, kept: an expired token says so even when another claim is off too.
    if (typeof nbf === 'number' && nbf > now) throw invalid();
    if (exp <= now) throw expired();
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (iss !== issuer || !audiences.includes(audience)) throw invalid();
    return exp;
  }
}
