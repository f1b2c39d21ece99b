import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, loadConfig } from '../app.config';
import { AppException } from '../core/errors/app.exception';
import { Clock } from '../core/time/clock';
import type { UserAccessRow, UserRepository } from '../users/user.repository';
import { FakeTransactions } from '../../test/support/unit-fakes';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import type { NewRefreshToken, RefreshTokenRepository, SpentRefreshToken } from './refresh-token.repository';
import { TokenService } from './token.service';
import type { SessionsRepository } from './sessions/sessions.repository';
import { JwtSigner } from './signing/jwt-signer';
import type { SigningKeyStore } from './signing/signing-key.store';

const START = Date.parse('2026-01-01T00:00:00.000Z');

class MovableClock extends Clock {
  at = START;

  override now(): number {
    return this.at;
  }
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The refresh_tokens table behind RefreshTokenRepository's interface, in memory, with the manager each call used. */
class FakeRefreshTokens implements Pick<RefreshTokenRepository, 'insert' | 'spend' | 'getByHash' | 'revokeFamily' | 'revokeAllForUser'> {
  readonly rows: RefreshTokenEntity[] = [];
  readonly managers: Array<EntityManager | undefined> = [];

  readonly insert = jest.fn(async (token: NewRefreshToken, manager?: EntityManager): Promise<void> => {
    this.managers.push(manager);
    this.rows.push(
      Object.assign(new RefreshTokenEntity(), { ...token, id: `token-${this.rows.length + 1}`, usedAt: null, revokedAt: null }),
    );
  });

  readonly spend = jest.fn(async (tokenHash: string, now: Date, manager?: EntityManager): Promise<SpentRefreshToken | null> => {
    this.managers.push(manager);
    const token = this.rows.find((row) => row.tokenHash === tokenHash && !row.usedAt && !row.revokedAt && row.expiresAt > now);
    if (!token) return null;
    token.usedAt = now;
    return { userId: token.userId, familyId: token.familyId };
  });

  readonly getByHash = jest.fn(async (tokenHash: string) => this.rows.find((row) => row.tokenHash === tokenHash) ?? null);

  readonly revokeFamily = jest.fn(async (familyId: string, now: Date): Promise<void> => {
    for (const row of this.rows) if (row.familyId === familyId && !row.revokedAt) row.revokedAt = now;
  });

  readonly revokeAllForUser = jest.fn(async (userId: string, now: Date): Promise<void> => {
    for (const row of this.rows) if (row.userId === userId && !row.revokedAt) row.revokedAt = now;
  });

  byHashOf(token: string): RefreshTokenEntity | undefined {
    return this.rows.find((row) => row.tokenHash === hashOf(token));
  }
}

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('TokenService', () => {
  const config: AppConfig = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 's'.repeat(48),
    JWT_ALGORITHM: 'HS256',
    REFRESH_REUSE_WINDOW_SECONDS: '5',
  });
  let clock: MovableClock;
  let transactions: FakeTransactions;
  let refreshTokens: FakeRefreshTokens;
  let user: UserAccessRow;
  let service: TokenService;

  beforeEach(() => {
    clock = new MovableClock();
    transactions = new FakeTransactions();
    refreshTokens = new FakeRefreshTokens();
    user = { id: 'user-1', role: 'user', isActive: true };
    const users: Pick<UserRepository, 'getAccess'> = { getAccess: async (id) => (id === user.id ? user : null) };
    service = new TokenService(
      new JwtSigner(config, {} as SigningKeyStore),
      transactions as unknown as DataSource,
      refreshTokens as unknown as RefreshTokenRepository,
      users as UserRepository,
      { revokeAllForUser: () => Promise.resolve() } as unknown as SessionsRepository,
      config,
      clock,
    );
  });

  it('stores a refresh token only as its hash, in a new family per login', async () => {
    const first = await service.issue('user-1');
    const second = await service.issue('user-1');

    expect(refreshTokens.rows.map((row) => row.tokenHash)).toEqual([hashOf(first.refreshToken), hashOf(second.refreshToken)]);
    expect(JSON.stringify(refreshTokens.rows)).not.toContain(first.refreshToken);
    expect(refreshTokens.byHashOf(first.refreshToken)?.familyId).not.toBe(refreshTokens.byHashOf(second.refreshToken)?.familyId);
    expect(first.refreshExpiresAt.getTime()).toBe(START + config.refreshExpiresInSeconds * 1000);
  });

  it('spends a token and issues its successor in the same family, inside one transaction', async () => {
    const login = await service.issue('user-1');
    const rotated = await service.rotate(login.refreshToken);

    expect(rotated.userId).toBe('user-1');
    expect(refreshTokens.byHashOf(login.refreshToken)?.usedAt).toEqual(new Date(START));
    expect(refreshTokens.byHashOf(rotated.refreshToken)?.familyId).toBe(refreshTokens.byHashOf(login.refreshToken)?.familyId);
    expect(transactions.transaction).toHaveBeenCalledTimes(1);
    // The spend and the successor's insert went through the transaction's manager.
    expect(refreshTokens.managers.slice(1)).toEqual([transactions.transactional, transactions.transactional]);
  });

  it('answers 409 to a token spent moments ago, and leaves the family alive', async () => {
    const login = await service.issue('user-1');
    const winner = await service.rotate(login.refreshToken);
    clock.at += 4_000;

    const error = await rejection(service.rotate(login.refreshToken));
    expect(error.getStatus()).toBe(409);
    expect(refreshTokens.byHashOf(winner.refreshToken)?.revokedAt).toBeNull();
  });

  it('revokes the whole family when a token spent longer ago is replayed', async () => {
    const login = await service.issue('user-1');
    const winner = await service.rotate(login.refreshToken);
    clock.at += 6_000;

    const error = await rejection(service.rotate(login.refreshToken));
    expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(refreshTokens.byHashOf(winner.refreshToken)?.revokedAt).toEqual(new Date(START + 6_000));
    expect((await rejection(service.rotate(winner.refreshToken))).getStatus()).toBe(401);
  });

  it('tells an expired token from an unknown one', async () => {
    const login = await service.issue('user-1');
    clock.at += config.refreshExpiresInSeconds * 1000;

    expect(await rejection(service.rotate(login.refreshToken))).toMatchObject({ status: 401, code: 'token_expired' });
    expect(await rejection(service.rotate('never-issued'))).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('issues nothing for a deactivated account', async () => {
    const login = await service.issue('user-1');
    user = { ...user, isActive: false };

    expect((await rejection(service.rotate(login.refreshToken))).getStatus()).toBe(401);
    expect(refreshTokens.rows).toHaveLength(1);
  });

  it('logs out by revoking the family of a known token only', async () => {
    const login = await service.issue('user-1');
    const rotated = await service.rotate(login.refreshToken);

    await expect(service.revokeFamily('never-issued')).resolves.toBe(false);
    await expect(service.revokeFamily(rotated.refreshToken)).resolves.toBe(true);
    expect(refreshTokens.rows.every((row) => row.revokedAt !== null)).toBe(true);
  });
});
