import type { EntityManager } from 'typeorm';
import type { AuditContext } from '../../src/events/audit-context';
import type { AuditRecord, AuditRecorder } from '../../src/events/audit-recorder';

/**
 * DataSource's transactions for a service unit test: each hands its work the same stand-in
 * manager, and the fake knows whether one is open. `manager` stands for the connection's own,
 * outside any transaction. Pass it as the service's DataSource.
 */
export class FakeTransactions {
  readonly transactional = Object.freeze({ name: 'transaction manager' }) as unknown as EntityManager;
  readonly manager = Object.freeze({ name: 'connection manager' }) as unknown as EntityManager;
  private open = 0;

  readonly transaction = jest.fn(async <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => {
    this.open++;
    try {
      return await work(this.transactional);
    } finally {
      this.open--;
    }
  });

  get inTransaction(): boolean {
    return this.open > 0;
  }
}

/** One call of AuditRecorder.record, with whether a transaction was still open when it completed. */
export interface Recorded {
  manager: EntityManager;
  context: AuditContext;
  event: AuditRecord;
  inTransaction: boolean;
}

/** AuditRecorder by its interface: what a service asked to record, and through which manager. */
export class FakeAuditRecorder implements Pick<AuditRecorder, 'record'> {
  readonly calls: Recorded[] = [];

  constructor(private readonly transactions: FakeTransactions) {}

  readonly record = jest.fn(async (manager: EntityManager, context: AuditContext, event: AuditRecord): Promise<void> => {
    // A real insert is a round trip: a write the service does not await lands too late to be seen.
    await new Promise((resolve) => setImmediate(resolve));
    this.calls.push({ manager, context: { ...context }, event: { ...event }, inTransaction: this.transactions.inTransaction });
  });

  /** The actions recorded so far, in order. */
  get actions(): string[] {
    return this.calls.map((call) => call.event.action);
  }
}
