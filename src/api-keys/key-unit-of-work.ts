import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { KeyTransaction } from './key-transaction';

/**
 * Where a write to `api_keys` and the invalidation it needs meet: `run` opens the transaction, and
 * once it has committed every verifier, on this instance and the others, forgets what it changed.
 * A transaction that fails forgets nothing: it changed nothing.
 */
@Injectable()
export class KeyUnitOfWork {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly verifier: ApiKeyVerifier,
  ) {}

  async run<T>(work: (tx: KeyTransaction) => Promise<T>): Promise<T> {
    let tx: KeyTransaction | undefined;
    const result = await this.dataSource.transaction((manager) => work((tx = new KeyTransaction(manager))));
    if (tx) this.forget(tx.changes.ids, tx.changes.hashes);
    return result;
  }

  /** Keys that another module's committed transaction removed (the cascade of an organisation's deletion). */
  forgetRemoved(ids: string[]): void {
    this.forget(ids, []);
  }

  private forget(ids: string[], hashes: string[]): void {
    for (const id of ids) this.verifier.invalidate(id);
    for (const hash of hashes) this.verifier.forgetHash(hash);
  }
}
