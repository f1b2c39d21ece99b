import { Session, TestApp } from '../support/test-app';

/**
 * Many requests at once, each writing in a transaction: on the embedded database every one must
 * succeed (its connections once interleaved their protocol messages and failed with
 * "unnamed prepared statement does not exist"), and on PostgreSQL too.
 */
describe('concurrent requests (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('registers and logs in 16 users at once, every one successfully', async () => {
    const sessions: Session[] = await Promise.all(Array.from({ length: 16 }, (_, i) => t.newUser(`parallel-${i}`)));
    expect(new Set(sessions.map((s) => s.userId)).size).toBe(16);
    const errors = t.logs.filter((line) => line.includes('"level":50'));
    expect(errors).toEqual([]);
  });

  it('creates 30 keys at once for one user, all distinct and all usable', async () => {
    const owner = await t.newUser('many-keys');
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => t.post('/api/keys', { name: `key ${i}` }, owner.auth)));
    expect(created.map((res) => res.status)).toEqual(Array(30).fill(201));
    const list = await t.get('/api/keys?limit=100', owner.auth);
    expect(list.body.meta.total).toBe(30);
    const checks = await Promise.all(created.map((res) => t.get('/api/auth/verify', { 'x-api-key': res.body.data.key })));
    expect(checks.map((res) => res.status)).toEqual(Array(30).fill(200));
  });
});
