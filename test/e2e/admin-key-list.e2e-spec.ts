import { DataSource } from 'typeorm';
import { Session, TestApp } from '../support/test-app';

const ids = (res: { body: { data: Array<{ id: string }> } }): string[] => res.body.data.map((key) => key.id);

describe('admin key list: status filter and cursor paging (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => ({ app: t, admin } = await TestApp.startWithAdmin()));
  afterAll(() => t.close());

  it('filters by status (active, inactive, revoked, expired, rotated); isActive=true is status=active', async () => {
    const owner = await t.newUser('statuses');
    const active = await t.createKey(owner, { name: 'active' });
    const inactive = await t.createKey(owner, { name: 'inactive' });
    await t.patch(`/api/keys/${inactive.id}`, { isActive: false }, owner.auth);
    const revoked = await t.createKey(owner, { name: 'revoked' });
    expect((await t.delete(`/api/keys/${revoked.id}`, owner.auth)).status).toBe(200);
    const expiring = await t.createKey(owner, { name: 'expired', expiresAt: new Date(t.clock.now() + 60_000).toISOString() });
    const rotating = await t.createKey(owner, { name: 'rotated' });
    const rotated = await t.post(`/api/keys/${rotating.id}/rotate`, { gracePeriodSeconds: 0 }, owner.auth);
    expect(rotated.status).toBe(201);
    const successor: string = rotated.body.data.id;
    t.clock.advance(120_000);

    const list = async (query: string): Promise<string[]> => {
      const res = await t.get(`/api/admin/api-keys?userId=${owner.userId}&limit=100&${query}`, admin.auth);
      expect(res.status).toBe(200);
      return ids(res).sort();
    };
    expect(await list('status=active')).toEqual([active.id, successor].sort());
    expect(await list('status=inactive')).toEqual([inactive.id]);
    expect(await list('status=revoked')).toEqual([revoked.id]);
    expect(await list('status=expired')).toEqual([expiring.id]);
    expect(await list('status=rotated')).toEqual([rotating.id]);
    // The view's own status agrees with the filter.
    const viewed = await t.get(`/api/admin/api-keys?userId=${owner.userId}&status=expired`, admin.auth);
    expect(viewed.body.data[0]).toMatchObject({ id: expiring.id, status: 'expired', isActive: true });

    // isActive=true used to return the revoked and the expired keys (their flag is still true).
    expect(await list('isActive=true')).toEqual([active.id, successor].sort());
    expect(await list('isActive=false')).toEqual([inactive.id, revoked.id, expiring.id, rotating.id].sort());
    expect(await list('isActive=true&status=revoked')).toEqual([]);
    const counted = await t.get(`/api/admin/api-keys?userId=${owner.userId}&isActive=false&limit=1`, admin.auth);
    expect(counted.body.meta).toMatchObject({ page: 1, limit: 1, total: 4 });
  });

  it.each(['status=deleted', 'status=', 'status=ACTIVE'])('rejects ?%s with 400 validation_failed', async (query) => {
    const res = await t.get(`/api/admin/api-keys?${query}`, admin.auth);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('walks every page by cursor with no duplicate and no gap, in the offset pages’ order', async () => {
    const owner = await t.newUser('cursor');
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await t.createKey(owner, { name: `k${i}` })).id);

    const byOffset: string[] = [];
    for (let page = 1; page <= 3; page++) {
      byOffset.push(...ids(await t.get(`/api/admin/api-keys?userId=${owner.userId}&limit=3&page=${page}`, admin.auth)));
    }

    const walked: string[] = [];
    let cursor: string | null = null;
    for (let pageCount = 0; pageCount < 10; pageCount++) {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.get(`/api/admin/api-keys?userId=${owner.userId}&limit=3${query}`, admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.meta).toMatchObject({ limit: 3, total: 7 });
      walked.push(...ids(res));
      cursor = res.body.meta.nextCursor;
      if (!cursor) break;
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(walked).toHaveLength(7);
    expect(new Set(walked).size).toBe(7);
    expect([...walked].sort()).toEqual([...created].sort());
    expect(walked).toEqual(byOffset);
  });

  it('keeps keys created in the same microsecond apart (ties are ordered by id)', async () => {
    const owner = await t.newUser('ties');
    for (let i = 0; i < 4; i++) await t.createKey(owner, { name: `tie${i}` });
    await t.app.get(DataSource).query(`UPDATE api_keys SET created_at = '2026-01-01T00:00:00.123456Z' WHERE user_id = $1`, [owner.userId]);
    const walked: string[] = [];
    let cursor: string | null = null;
    for (let pageCount = 0; pageCount < 10; pageCount++) {
      const res = await t.get(`/api/admin/api-keys?userId=${owner.userId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, admin.auth);
      walked.push(...ids(res));
      cursor = res.body.meta.nextCursor;
      if (!cursor) break;
    }
    expect(walked).toHaveLength(4);
    expect(walked).toEqual([...walked].sort());
  });

  it('answers nextCursor null on the last page', async () => {
    const owner = await t.newUser('last');
    await t.createKey(owner, { name: 'only' });
    const res = await t.get(`/api/admin/api-keys?userId=${owner.userId}`, admin.auth);
    expect(res.body.meta).toEqual({ page: 1, limit: 20, total: 1, nextCursor: null });
  });

  const forged = [
    'not a cursor!',
    Buffer.from('2026-01-01T00:00:00.000000Z|nope').toString('base64url'),
    Buffer.from('yesterday|00000000-0000-4000-8000-000000000000').toString('base64url'),
    Buffer.from('2026-13-45T00:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString('base64url'),
    'x'.repeat(300),
  ];
  it.each(forged)('a cursor it did not issue (%s) is 400 validation_failed', async (cursor) => {
    const res = await t.get(`/api/admin/api-keys?cursor=${encodeURIComponent(cursor)}`, admin.auth);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'validation_failed' });
  });
});
