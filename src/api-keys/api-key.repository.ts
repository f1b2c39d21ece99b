import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, IsNull, Repository } from 'typeorm';
import { containsPattern } from '../core/database/like-pattern';
import type { DeletedBinding } from '../organizations/bound-keys';
import { ApiKeyEntity } from './entities/api-key.entity';
import {
  AllKeysFilter,
  KeyBoundary,
  KeyCursor,
  KeyLineage,
  KeyPage,
  NewApiKey,
  NoticedKey,
  RevokedChild,
  VERIFIED_COLUMNS,
  VerifiableKey,
} from './api-key.repository.types';
import type { KeyTransaction } from './key-transaction';
import { CREATED_AT_TEXT, NOTICED, ROTATABLE, STATUS_SQL } from './api-key.sql';

/**
 * Every query on `api_keys`. A write to what verification reads takes the KeyTransaction it runs
 * in and notes what it changed there, so every verifier forgets it once the transaction commits;
 * bookkeeping no verifier reads (last use, notices, the sealed copy, lineage, a postponed due date)
 * takes a plain manager. A read takes the manager of the transaction it belongs to, if any.
 */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  /** False once the database is closed (shutdown): background passes then skip their work. */
  isAvailable(): boolean {
    return this.keys.manager.connection.isInitialized;
  }

  findByHash(hash: string): Promise<VerifiableKey | null> {
    return this.keys.findOne({
      where: { keyHash: hash },
      select: Object.fromEntries(VERIFIED_COLUMNS.map((column) => [column, true])),
    });
  }

  findInBoundary(boundary: KeyBoundary, id: string, manager?: EntityManager): Promise<ApiKeyEntity | null> {
    return (manager ?? this.keys.manager).getRepository(ApiKeyEntity).findOne({ where: { ...boundary, id } });
  }

  findById(id: string, manager?: EntityManager): Promise<ApiKeyEntity | null> {
    return (manager ?? this.keys.manager).getRepository(ApiKeyEntity).findOne({ where: { id } });
  }

  /** A key with its owner (the administrators' view); it must exist. */
  getWithOwner(id: string, manager?: EntityManager): Promise<ApiKeyEntity> {
    return (manager ?? this.keys.manager).getRepository(ApiKeyEntity).findOneOrFail({ where: { id }, relations: { owner: true } });
  }

  /** One page of the keys in `boundary`, newest first (ties by id), and how many there are. */
  listInBoundary(boundary: KeyBoundary, page: KeyPage, options: { withOwner?: boolean } = {}): Promise<[ApiKeyEntity[], number]> {
    return this.keys.findAndCount({
      where: boundary,
      ...(options.withOwner ? { relations: { owner: true } } : {}),
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
  }

  /**
   * Every key, newest first (ties by id), with its owner. `isActive=true` means "usable now", the
   * same as `status=active`; `isActive=false` is every other status. With a cursor, the page starts
   * after it (a keyset seek on IDX_api_keys_created_at_id) instead of skipping `skip` rows. `total`
   * counts every match; `next` is where the following page starts, if one does.
   */
  async listAll(filter: AllKeysFilter, now: Date): Promise<{ rows: ApiKeyEntity[]; total: number; next: KeyCursor | null }> {
    const base = this.keys.createQueryBuilder('k').setParameter('now', now);
    if (filter.userId !== undefined) base.andWhere('k.user_id = :userId', { userId: filter.userId });
    if (filter.search) base.andWhere('(k.name ILIKE :search OR k.key_prefix ILIKE :search)', { search: containsPattern(filter.search) });
    if (filter.status !== undefined) base.andWhere(`(${STATUS_SQL[filter.status]})`);
    if (filter.isActive === true) base.andWhere(`(${STATUS_SQL.active})`);
    if (filter.isActive === false) base.andWhere(`NOT (${STATUS_SQL.active})`);
    const total = await base.clone().getCount();

    const page = base.clone().leftJoinAndSelect('k.owner', 'owner').addSelect(CREATED_AT_TEXT, 'cursor_created_at');
    if (filter.cursor) {
      // "After (at, id)" in `created_at DESC, id ASC` order. The first conjunct alone bounds the
      // index range (an OR of the two cases made PostgreSQL scan the whole index: 7.5 s at 10^6).
      page
        .andWhere('k.created_at <= CAST(:cursorAt AS timestamptz)')
        .andWhere(new Brackets((qb) => qb.where('k.created_at < CAST(:cursorAt AS timestamptz)').orWhere('k.id > :cursorId')), {
          cursorAt: filter.cursor.createdAt,
          cursorId: filter.cursor.id,
        });
    } else {
      page.offset(filter.skip);
    }
    // One row more than the page shows whether another page follows.
    const { entities, raw } = await page
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'ASC')
      .limit(filter.take + 1)
      .getRawAndEntities<{ cursor_created_at: string; k_id: string }>();
    const rows = entities.slice(0, filter.take);
    const last = rows.length === filter.take && entities.length > filter.take ? rows[rows.length - 1] : undefined;
    const lastRaw = last && raw.find((row) => row.k_id === last.id);
    return { rows, total, next: last && lastRaw ? { createdAt: lastRaw.cursor_created_at, id: last.id } : null };
  }

  /** The key `id` in `boundary`, locked for a change. */
  lockInBoundary(tx: KeyTransaction, boundary: KeyBoundary, id: string): Promise<ApiKeyEntity | null> {
    return tx.manager.getRepository(ApiKeyEntity).findOne({ where: { ...boundary, id }, lock: { mode: 'pessimistic_write' } });
  }

  /** As lockInBoundary, for an unrevoked key only, with its sealed successor plaintext. */
  lockSealedInBoundary(tx: KeyTransaction, boundary: KeyBoundary, id: string): Promise<ApiKeyEntity | null> {
    return tx.manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('key')
      .addSelect('key.sealedKey')
      .where({ ...boundary, id, revokedAt: IsNull() })
      .setLock('pessimistic_write')
      .getOne();
  }

  lockById(tx: KeyTransaction, id: string): Promise<ApiKeyEntity | null> {
    return tx.manager.getRepository(ApiKeyEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The state of `id` under a share lock, which holds off a change to it until the transaction ends. */
  async shareLockState(tx: KeyTransaction, id: string): Promise<{ revokedAt: Date | null; isActive: boolean } | null> {
    const [row]: Array<{ revoked_at: Date | null; is_active: boolean }> = await tx.manager.query(
      'SELECT revoked_at, is_active FROM api_keys WHERE id = $1 FOR SHARE',
      [id],
    );
    return row ? { revokedAt: row.revoked_at, isActive: row.is_active } : null;
  }

  /**
   * Whether `callerId` was minted by a key (`delegated`), and whether walking up from `targetId`
   * through parents and predecessors (a successor stands for the key it replaced), at most
   * `maxDepth` steps, reaches it (`reached`).
   */
  async lineage(manager: EntityManager, callerId: string, targetId: string, maxDepth: number): Promise<KeyLineage> {
    const [row]: KeyLineage[] = await manager.query(
      `WITH RECURSIVE lineage(id, depth) AS (
         SELECT $2::uuid, 0
         UNION
         SELECT up.id, lineage.depth + 1
           FROM lineage
           CROSS JOIN LATERAL (
             SELECT parent_key_id AS id FROM api_keys WHERE id = lineage.id AND parent_key_id IS NOT NULL
             UNION ALL
             SELECT id FROM api_keys WHERE replaced_by_id = lineage.id
           ) up
          WHERE lineage.depth < $3
       )
       SELECT (SELECT parent_key_id IS NOT NULL FROM api_keys WHERE id = $1) AS delegated,
              EXISTS (SELECT 1 FROM lineage WHERE id = $1) AS reached`,
      [callerId, targetId, maxDepth],
    );
    return row;
  }

  async idsBoundTo(manager: EntityManager, binding: DeletedBinding): Promise<string[]> {
    const rows = await manager.find(ApiKeyEntity, { where: binding, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /**
   * Revokes every unrevoked key of `userId` (account deletion), dropping any sealed successor;
   * notes every key of theirs as changed, revoked now or before: their rows go with the account.
   */
  async revokeAllOwnedBy(tx: KeyTransaction, userId: string, now: Date): Promise<string[]> {
    const revoked: Array<{ id: string }> = await tx.manager.query(
      // A CTE so the driver hands back plain rows whatever the statement's command tag.
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = $2, rotation_due_at = NULL, sealed_key = NULL, updated_at = now()
          WHERE user_id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM revoked`,
      [userId, now],
    );
    const all = await tx.manager.find(ApiKeyEntity, { where: { userId }, select: { id: true } });
    tx.changed(...all.map((row) => row.id));
    return revoked.map((row) => row.id);
  }

  async insert(tx: KeyTransaction, fields: NewApiKey): Promise<ApiKeyEntity> {
    const keys = tx.manager.getRepository(ApiKeyEntity);
    const saved = await keys.save(keys.create(fields));
    tx.issued(fields.keyHash);
    return saved;
  }

  /** Writes the changed fields of a key loaded in `tx`. */
  async save(tx: KeyTransaction, key: ApiKeyEntity): Promise<ApiKeyEntity> {
    const saved = await tx.manager.getRepository(ApiKeyEntity).save(key);
    tx.changed(saved.id);
    return saved;
  }

  async setActive(tx: KeyTransaction, id: string, isActive: boolean): Promise<void> {
    await tx.manager.getRepository(ApiKeyEntity).update({ id }, { isActive });
    tx.changed(id);
  }

  async delete(tx: KeyTransaction, id: string): Promise<void> {
    await tx.manager.getRepository(ApiKeyEntity).delete({ id });
    tx.changed(id);
  }

  /** Revokes every unrevoked key minted, directly or not, from `parentId`; resolves to them. */
  async revokeDescendants(tx: KeyTransaction, parentId: string, now: Date): Promise<RevokedChild[]> {
    const revoked: Array<{ id: string; user_id: string }> = await tx.manager.query(
      `WITH RECURSIVE descendants AS (
         SELECT id FROM api_keys WHERE parent_key_id = $1
         UNION
         SELECT child.id FROM api_keys child JOIN descendants ON child.parent_key_id = descendants.id
       ), revoked AS (
         UPDATE api_keys SET revoked_at = $2, updated_at = now()
         WHERE id IN (SELECT id FROM descendants) AND revoked_at IS NULL
         RETURNING id, user_id
       )
       SELECT id, user_id FROM revoked`,
      [parentId, now],
    );
    tx.changed(...revoked.map((child) => child.id));
    return revoked.map((child) => ({ id: child.id, userId: child.user_id }));
  }

  async reparentChildren(manager: EntityManager, fromId: string, toId: string): Promise<void> {
    await manager.getRepository(ApiKeyEntity).update({ parentKeyId: fromId }, { parentKeyId: toId });
  }

  async clearSealedKey(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(ApiKeyEntity).update({ id }, { sealedKey: null });
  }

  /** Up to `limit` keys whose rotation is due at `now`, locked; keys another pass holds are skipped. */
  async lockDueForRotation(tx: KeyTransaction, now: Date, limit: number): Promise<string[]> {
    const due: Array<{ id: string }> = await tx.manager.query(
      `SELECT id FROM api_keys
        WHERE rotation_due_at <= $1 AND rotation_policy IS NOT NULL AND ${ROTATABLE}
        ORDER BY rotation_due_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return due.map((row) => row.id);
  }

  async postponeRotation(manager: EntityManager, id: string, until: Date): Promise<void> {
    await manager.query('UPDATE api_keys SET rotation_due_at = $2 WHERE id = $1', [id, until]);
  }

  /** Flags (and returns) up to `limit` keys whose rotation is within their policy's notice at `now` and not yet announced. */
  markRotationNoticesDue(manager: EntityManager, now: Date, limit: number): Promise<Array<NoticedKey & { rotationDueAt: Date }>> {
    // A top-level UPDATE would come back from TypeORM as [rows, count]; selecting from it returns the rows.
    return manager.query(
      `WITH due AS (
         SELECT id FROM api_keys
          WHERE rotation_due_at IS NOT NULL AND rotation_policy IS NOT NULL AND rotation_notified_at IS NULL AND ${ROTATABLE}
            AND rotation_due_at - make_interval(days => (rotation_policy->>'notifyDaysBefore')::int) <= $1
          ORDER BY rotation_due_at, id
          LIMIT $2
          FOR UPDATE SKIP LOCKED),
       marked AS (UPDATE api_keys k SET rotation_notified_at = $1 FROM due WHERE k.id = due.id RETURNING ${NOTICED})
       SELECT * FROM marked`,
      [now, limit],
    );
  }

  /** Flags (and returns) up to `limit` usable keys that expire after `now` and by `horizon`, not yet announced. */
  markExpiryNoticesDue(manager: EntityManager, now: Date, horizon: Date, limit: number): Promise<Array<NoticedKey & { expiresAt: Date }>> {
    return manager.query(
      `WITH due AS (
         SELECT id FROM api_keys
          WHERE expiry_notified_at IS NULL AND revoked_at IS NULL AND rotated_at IS NULL
            AND expires_at IS NOT NULL AND expires_at > $1 AND expires_at <= $2
          LIMIT $3),
       marked AS (UPDATE api_keys k SET expiry_notified_at = $1 FROM due WHERE k.id = due.id RETURNING ${NOTICED})
       SELECT * FROM marked`,
      [now, horizon, limit],
    );
  }

  /** Moves each key's `lastUsedAt` forward to its use, in one statement; never back. */
  async recordLastUsed(uses: ReadonlyMap<string, number>): Promise<void> {
    const ids = [...uses.keys()];
    const times = ids.map((id) => new Date(uses.get(id) as number).toISOString());
    await this.keys.query(
      `UPDATE "api_keys" AS k SET "last_used_at" = u.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
        WHERE k."id" = u.id AND (k."last_used_at" IS NULL OR k."last_used_at" < u.at)`,
      [ids, times],
    );
  }
}
