import type { Invalidation, InvalidationBus } from '../../core/invalidation/invalidation-bus';
import { Clock } from '../../core/time/clock';
import type { OAuthRevokedTokensRepository } from './revoked-tokens.repository';
import { OAuthTokenRevocations } from './token-revocations';

class FixedClock extends Clock {
  at = Date.UTC(2026, 0, 1, 12);
  override now(): number {
    return this.at;
  }
}

function setup(rows: Array<{ id: string; expiresAt: Date }> = []) {
  const clock = new FixedClock();
  const repository = {
    insert: jest.fn().mockResolvedValue(undefined),
    listUnexpired: jest.fn().mockResolvedValue(rows),
    deleteExpired: jest.fn().mockResolvedValue(0),
  };
  let handler: (message: Invalidation) => void = () => undefined;
  let reset: (() => void) | undefined;
  const bus = {
    subscribe: jest.fn((h: typeof handler, r?: () => void) => ((handler = h), (reset = r))),
    publish: jest.fn(),
  };
  const sut = new OAuthTokenRevocations(repository as unknown as OAuthRevokedTokensRepository, bus as unknown as InvalidationBus, clock);
  return { sut, clock, repository, bus, deliver: (m: Invalidation) => handler(m), reset: () => reset?.() };
}

describe('OAuthTokenRevocations', () => {
  afterEach(() => jest.useRealTimers());

  it('revoke stores the row, denies locally, publishes to other instances and tells listeners', async () => {
    const { sut, clock, repository, bus } = setup();
    const evicted: string[] = [];
    sut.onRevoked((id) => evicted.push(id));
    const expiresAt = new Date(clock.at + 60_000);
    await sut.revoke('jti-1', expiresAt);
    expect(repository.insert).toHaveBeenCalledWith('jti-1', expiresAt, new Date(clock.at));
    expect(bus.publish).toHaveBeenCalledWith({ kind: 'oauth-token-revoked', id: 'jti-1', expiresAt: expiresAt.getTime() });
    expect(sut.isRevoked('jti-1')).toBe(true);
    expect(sut.isRevoked('jti-2')).toBe(false);
    expect(evicted).toEqual(['jti-1']);
  });

  it('does not store or publish what has already expired', async () => {
    const { sut, clock, repository, bus } = setup();
    await sut.revoke('old', new Date(clock.at - 1));
    expect(repository.insert).not.toHaveBeenCalled();
    expect(bus.publish).not.toHaveBeenCalled();
    expect(sut.isRevoked('old')).toBe(false);
  });

  it('does not deny locally when the row could not be stored (the caller sees the error)', async () => {
    const { sut, clock, repository, bus } = setup();
    repository.insert.mockRejectedValueOnce(new Error('database down'));
    await expect(sut.revoke('jti-1', new Date(clock.at + 1000))).rejects.toThrow('database down');
    expect(bus.publish).not.toHaveBeenCalled();
  });

  it('loads unexpired rows at boot and applies revocations from other instances', async () => {
    const { sut, clock, deliver } = setup([{ id: 'grant:g1', expiresAt: new Date(Date.UTC(2026, 0, 1, 13)) }]);
    await sut.onModuleInit();
    await sut.onApplicationShutdown();
    expect(sut.isRevoked('grant:g1')).toBe(true);
    deliver({ kind: 'oauth-token-revoked', id: 'jti-9', expiresAt: clock.at + 5000 });
    deliver({ kind: 'oauth-application', clientId: 'app_x' });
    expect(sut.isRevoked('jti-9')).toBe(true);
    expect(sut.size).toBe(2);
  });

  it('reloads from the table when a bus channel comes back', async () => {
    const { sut, repository, reset } = setup();
    repository.listUnexpired.mockResolvedValueOnce([{ id: 'missed', expiresAt: new Date(Date.UTC(2026, 0, 2)) }]);
    reset();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sut.isRevoked('missed')).toBe(true);
  });

  it('an entry ends with its expiry, and purge drops it here and in the table', async () => {
    const { sut, clock, repository } = setup();
    await sut.revoke('a', new Date(clock.at + 1000));
    await sut.revoke('b', new Date(clock.at + 10_000));
    clock.at += 1000;
    expect(sut.isRevoked('a')).toBe(false);
    clock.at += 5000;
    await sut.purge();
    expect(sut.size).toBe(1);
    expect(repository.deleteExpired).toHaveBeenCalledWith(new Date(clock.at));
    expect(sut.isRevoked('b')).toBe(true);
  });
});
