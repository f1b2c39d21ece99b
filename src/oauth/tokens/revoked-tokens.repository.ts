import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OAuthRevokedTokenEntity } from './revoked-token.entity';

/** The one place the `oauth_revoked_tokens` table (the OAuth deny list) is queried. */
@Injectable()
export class OAuthRevokedTokensRepository {
  constructor(@InjectRepository(OAuthRevokedTokenEntity) private readonly rows: Repository<OAuthRevokedTokenEntity>) {}

  /** Records a revocation; revoking twice keeps the later expiry (a grant's tokens may outlive the first). */
  async insert(id: string, expiresAt: Date, revokedAt: Date): Promise<void> {
    await this.rows.query(
      `INSERT INTO oauth_revoked_tokens (id, expires_at, revoked_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET expires_at = GREATEST(oauth_revoked_tokens.expires_at, EXCLUDED.expires_at)`,
      [id, expiresAt, revokedAt],
    );
  }

  /** Every entry still in force at `now`: what an instance loads at boot. */
  listUnexpired(now: Date): Promise<OAuthRevokedTokenEntity[]> {
    return this.rows.createQueryBuilder('row').where('row.expiresAt > :now', { now }).getMany();
  }

  /** Forgets entries whose tokens can no longer verify anyway. */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.rows.createQueryBuilder().delete().where('expires_at <= :now', { now }).execute();
    return result.affected ?? 0;
  }
}
