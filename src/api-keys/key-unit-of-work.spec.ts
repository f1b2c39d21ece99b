import { DataSource, EntityManager } from 'typeorm';
import { automock } from '../../test/support/automock';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { KeyTransaction } from './key-transaction';
import { KeyUnitOfWork } from './key-unit-of-work';

/** A manager whose statements are only recorded; each answers one row that says a lock was taken. */
function fakeManager(): { manager: EntityManager; statements: string[] } {
  const statements: string[] = [];
  const manager = {
    query: jest.fn(async (sql: string) => {
      statements.push(sql);
      return [{ locked: true }];
    }),
  };
  return { manager: manager as unknown as EntityManager, statements };
}

describe(KeyUnitOfWork.name, () => {
  let verifier: jest.Mocked<ApiKeyVerifier>;
  let committed: boolean;
  let sut: KeyUnitOfWork;

  beforeEach(() => {
    verifier = automock(ApiKeyVerifier);
    committed = false;
    const { manager } = fakeManager();
    const dataSource = {
      transaction: async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
        const result = await work(manager);
        committed = true;
        return result;
      },
    };
    sut = new KeyUnitOfWork(dataSource as unknown as DataSource, verifier);
  });

  it('forgets what the transaction changed and issued once it has committed, not before', async () => {
    const forgottenBeforeCommit: number[] = [];
    verifier.invalidate.mockImplementation(() => expect(committed).toBe(true));
    const result = await sut.run(async (tx) => {
      tx.changed('key-1', 'key-2');
      tx.changed('key-1');
      tx.issued('hash-1');
      forgottenBeforeCommit.push(verifier.invalidate.mock.calls.length + verifier.forgetHash.mock.calls.length);
      return 'done';
    });

    expect(result).toBe('done');
    expect(forgottenBeforeCommit).toEqual([0]);
    expect(verifier.invalidate.mock.calls).toEqual([['key-1'], ['key-2']]);
    expect(verifier.forgetHash.mock.calls).toEqual([['hash-1']]);
  });

  it('forgets nothing when the transaction fails: it changed nothing', async () => {
    const failure = new Error('rolled back');
    await expect(
      sut.run(async (tx) => {
        tx.changed('key-1');
        tx.issued('hash-1');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(verifier.invalidate).not.toHaveBeenCalled();
    expect(verifier.forgetHash).not.toHaveBeenCalled();
  });

  it('forgets the keys another module removed', () => {
    sut.forgetRemoved(['key-1', 'key-2']);
    expect(verifier.invalidate.mock.calls).toEqual([['key-1'], ['key-2']]);
  });
});

describe(KeyTransaction.name, () => {
  it('keeps what a savepoint noted when its work succeeds', async () => {
    const { manager, statements } = fakeManager();
    const tx = new KeyTransaction(manager);
    await expect(tx.savepoint(async () => (tx.changed('key-1'), 'ok'))).resolves.toBe('ok');
    expect(statements).toEqual(['SAVEPOINT argus_key_write', 'RELEASE SAVEPOINT argus_key_write']);
    expect(tx.changes).toEqual({ ids: ['key-1'], hashes: [] });
  });

  it('rolls a failed savepoint back with what it noted, keeps what came before, and rethrows', async () => {
    const { manager, statements } = fakeManager();
    const tx = new KeyTransaction(manager);
    tx.changed('before');
    tx.issued('hash-before');
    const failure = new Error('one key failed');
    await expect(
      tx.savepoint(async () => {
        tx.changed('inside');
        tx.issued('hash-inside');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(statements).toEqual(['SAVEPOINT argus_key_write', 'ROLLBACK TO SAVEPOINT argus_key_write']);
    expect(tx.changes).toEqual({ ids: ['before'], hashes: ['hash-before'] });
  });

  it('takes a named lock for the rest of the transaction, and says whether it got it', async () => {
    const { manager } = fakeManager();
    await expect(new KeyTransaction(manager).tryExclusive('argus:rotation')).resolves.toBe(true);
    expect(manager.query).toHaveBeenCalledWith('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', ['argus:rotation']);
  });
});
