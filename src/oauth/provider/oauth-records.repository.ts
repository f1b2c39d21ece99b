import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { Repository } from 'typeorm';
import { OAuthRecordEntity } from './oauth-record.entity';

/** A stored model instance as the adapter hands it over: the library's payload and what rows are found by. */
export interface OAuthRecordWrite {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
  accountId: string | null;
  expiresAt: Date | null;
}

/** The one place the `oauth_records` table (oidc-provider's shared state) is queried. */
@Injectable()
export class OAuthRecordsRepository {
  constructor(@InjectRepository(OAuthRecordEntity) private readonly rows: Repository<OAuthRecordEntity>) {}

  async upsert(record: OAuthRecordWrite): Promise<void> {
    // account_id is a uuid column: only Argus user ids go there (a machine grant's subject is a client id).
    const accountId = record.accountId && isUUID(record.accountId) ? record.accountId : null;
    await this.rows.query(
      `INSERT INTO oauth_records (model, id, payload, grant_id, user_code, uid, account_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at`,
      [record.model, record.id, record.payload, record.grantId, record.userCode, record.uid, accountId, record.expiresAt],
    );
  }

  /** A row not yet expired at `now`. */
  findLive(model: string, where: { id?: string; uid?: string; userCode?: string }, now: Date): Promise<OAuthRecordEntity | null> {
    const builder = this.rows
      .createQueryBuilder('row')
      .where('row.model = :model', { model })
      .andWhere('(row.expiresAt IS NULL OR row.expiresAt > :now)', { now });
    if (where.id !== undefined) builder.andWhere('row.id = :id', { id: where.id });
    if (where.uid !== undefined) builder.andWhere('row.uid = :uid', { uid: where.uid });
    if (where.userCode !== undefined) builder.andWhere('row.userCode = :userCode', { userCode: where.userCode });
    return builder.getOne();
  }

  async consume(model: string, id: string, at: Date): Promise<void> {
    await this.rows.update({ model, id }, { consumedAt: at });
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.rows.delete({ model, id });
  }

  /** Every row of a grant (codes, refresh tokens, the grant itself…), whatever the model. */
  async deleteByGrantId(grantId: string): Promise<void> {
    await this.rows.delete({ grantId });
  }

  /** A user's consents: the live `Grant` rows of their account. */
  grantsOf(accountId: string, now: Date): Promise<OAuthRecordEntity[]> {
    return this.rows
      .createQueryBuilder('row')
      .where('row.model = :model AND row.accountId = :accountId', { model: 'Grant', accountId })
      .andWhere('(row.expiresAt IS NULL OR row.expiresAt > :now)', { now })
      .orderBy('row.id')
      .getMany();
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.rows.createQueryBuilder().delete().where('expires_at <= :now', { now }).execute();
    return result.affected ?? 0;
  }
}
