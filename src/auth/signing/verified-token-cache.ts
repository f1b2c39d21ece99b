import { LRUCache } from 'lru-cache';

export interface VerifiedToken {
  /** `header.payload` of the token verified: a hit must match it, not only the signature. */
  signingInput: string;
  payload: Record<string, unknown>;
  /** The key that verified it (null for HS256): retiring that key from verification evicts the entry. */
  kid: string | null;
  /** The token's `exp`, in ms: the entry never outlives it. */
  expiresAtMs: number;
}

/**
 * Tokens whose signature and claims were verified, keyed by the signature part: an asymmetric
 * verification costs tens of microseconds, and a client sends the same token on every request
 * until it expires. Only that check is remembered; who the token names (deactivation, role) is
 * still read per request. Bounded in size (least recently used first out) and by each token's
 * `exp`; a hit must carry the very bytes that were verified, so a valid signature pasted onto
 * another header or payload is a miss, and is then verified (and refused) like any other token.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, VerifiedToken>;

  constructor(
    maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LRUCache<string, VerifiedToken>({ max: maxEntries });
  }

  get size(): number {
    return this.entries.size;
  }

  get(signature: string, signingInput: string): VerifiedToken | undefined {
    const entry = this.entries.get(signature);
    if (!entry || entry.signingInput !== signingInput) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(signature);
      return undefined;
    }
    return entry;
  }

  set(signature: string, entry: VerifiedToken): void {
    if (entry.expiresAtMs > this.now()) this.entries.set(signature, entry);
  }

  /** Forgets one token (a revocation). */
  delete(signature: string): void {
    this.entries.delete(signature);
  }

  /** Forgets every token a key verified: it no longer verifies anything. */
  evictKid(kid: string): void {
    for (const [signature, entry] of this.entries.entries()) if (entry.kid === kid) this.entries.delete(signature);
  }

  /** Forgets every token whose claims match (a revoked `jti` or grant): linear, and revocations are rare. */
  evictWhere(matches: (payload: Record<string, unknown>) => boolean): void {
    for (const [signature, entry] of this.entries.entries()) if (matches(entry.payload)) this.entries.delete(signature);
  }

  clear(): void {
    this.entries.clear();
  }
}
