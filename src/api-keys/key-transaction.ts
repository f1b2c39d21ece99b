import { EntityManager } from 'typeorm';

/**
 * One transaction on `api_keys`, and what it changed that a verifier may have cached: the
 * repository's writes note it here, and KeyUnitOfWork makes every verifier forget it once the
 * transaction has committed (never before: another request could cache the old row again).
 */
export class KeyTransaction {
  private readonly changedIds = new Set<string>();
  private readonly issuedHashes = new Set<string>();

  constructor(readonly manager: EntityManager) {}

  /** Keys whose verification record this transaction changed (or deleted). */
  changed(...ids: string[]): void {
    for (const id of ids) this.changedIds.add(id);
  }

  /** The hash of a key this transaction created, which a cached "unknown key" must not shadow. */
  issued(hash: string): void {
    this.issuedHashes.add(hash);
  }

  get changes(): { ids: string[]; hashes: string[] } {
    return { ids: [...this.changedIds], hashes: [...this.issuedHashes] };
  }

  /**
   * Runs `work` under a savepoint: when it fails, its writes roll back, and so does what it noted,
   * and the error is rethrown for the caller to carry on with the rest of the transaction.
   */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const before = this.changes;
    await this.manager.query('SAVEPOINT argus_key_write');
    try {
      const result = await work();
      await this.manager.query('RELEASE SAVEPOINT argus_key_write');
      return result;
    } catch (error) {
      await this.manager.query('ROLLBACK TO SAVEPOINT argus_key_write');
      this.changedIds.clear();
      this.issuedHashes.clear();
      this.changed(...before.ids);
      for (const hash of before.hashes) this.issued(hash);
      throw error;
    }
  }

  /** Whether this transaction holds `name`, a lock one transaction at a time holds across every instance; false if another does. */
  async tryExclusive(name: string): Promise<boolean> {
    const [{ locked }] = await this.manager.query<Array<{ locked: boolean }>>(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
      name,
    ]);
    return locked;
  }
}
