import { randomUUID } from 'node:crypto';
import { OAuthTokenRevocations } from '../../src/oauth/tokens/token-revocations';
import { TestApp } from '../support/test-app';
import { TwoInstances } from '../support/two-instances';

/** Waits until `check` holds, polling; returns how long that took (ms), or fails after `withinMs`. */
async function within(withinMs: number, check: () => boolean): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

/**
 * The OAuth deny list across instances (PostgreSQL + Redis): a jti or grant revoked on one
 * instance is refused on the other within a second, and an instance started later loads it.
 * (Passport's registry is process-wide, so the instances are compared through their own deny lists.)
 */
describe('OAuth token revocations across instances (integration)', () => {
  let instances: TwoInstances;

  beforeAll(async () => {
    instances = await TwoInstances.start();
  });

  afterAll(() => instances.close());

  it('a jti revoked on one instance is revoked on the other within a second, both ways', async () => {
    const a = instances.a.app.get(OAuthTokenRevocations);
    const b = instances.b.app.get(OAuthTokenRevocations);
    expect(a).not.toBe(b);
    const jti = randomUUID();
    expect(b.isRevoked(jti)).toBe(false);
    await a.revoke(jti, new Date(Date.now() + 3_600_000));
    await expect(within(1000, () => b.isRevoked(jti))).resolves.toBeLessThan(1000);

    const grant = `grant:${randomUUID()}`;
    await b.revoke(grant, new Date(Date.now() + 3_600_000));
    await expect(within(1000, () => a.isRevoked(grant))).resolves.toBeLessThan(1000);
  });

  it('a revocation is stored: a purge keeps live entries, and an instance started later loads them', async () => {
    const a = instances.a.app.get(OAuthTokenRevocations);
    const jti = randomUUID();
    await a.revoke(jti, new Date(Date.now() + 60_000));
    await a.purge();
    const later = await TestApp.start({}, instances.a.databaseUrl);
    try {
      expect(later.app.get(OAuthTokenRevocations).isRevoked(jti)).toBe(true);
    } finally {
      await later.close();
    }
  });
});
