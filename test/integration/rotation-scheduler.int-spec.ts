import { DataSource } from 'typeorm';
import { RotationScheduler } from '../../src/api-keys/rotation-scheduler';
import { TestApp } from '../support/test-app';

const DAY = 86_400_000;

describe('rotation scheduler with two instances (integration)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await TestApp.start();
    b = await TestApp.start({}, a.databaseUrl);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('rotates each due key exactly once, however many instances tick at once, and alongside manual rotations', async () => {
    const owner = await a.newUser('scheduled');
    // A key without a policy, for requests once the clocks have moved past a JWT's lifetime.
    const manager = await a.createKey(owner, { name: 'management' });
    const keys: string[] = [];
    for (let i = 0; i < 30; i++) {
      keys.push((await a.createKey(owner, { name: `due-${i}`, rotationPolicy: { everyDays: 1, gracePeriodSeconds: 60 } })).id);
    }
    const notDue = await a.createKey(owner, { name: 'later', rotationPolicy: { everyDays: 2 } });
    for (const app of [a, b]) app.clock.advance(DAY);
    // Warm both instances' connection pools, so neither pass starts late.
    await Promise.all([a, b].map((app) => app.get('/api/keys', manager.auth)));

    // Both instances tick at the same moment (calls within one instance share its pass), while the
    // owner rotates five of the keys by hand.
    const handRotated = keys.slice(0, 5);
    const [passes, manual] = await Promise.all([
      Promise.all([a, b].map((app) => app.app.get(RotationScheduler).tick())),
      Promise.all(handRotated.map((id, i) => (i % 2 ? a : b).post(`/api/keys/${id}/rotate`, {}, manager.auth))),
    ]);
    for (const res of manual) expect([201, 409]).toContain(res.status);
    const byHand = manual.filter((res) => res.status === 201).length;
    const bySchedule = passes.reduce((sum, pass) => sum + pass.rotated, 0);
    expect(byHand + bySchedule).toBe(keys.length);
    // Nothing left for a later tick on either instance.
    expect((await b.app.get(RotationScheduler).tick()).rotated).toBe(0);
    expect((await a.app.get(RotationScheduler).tick()).rotated).toBe(0);

    const db = a.app.get(DataSource);
    const rows: Array<{ id: string; replaced_by_id: string | null; successors: string }> = await db.query(
      `SELECT k.id, k.replaced_by_id, (SELECT count(*) FROM api_keys s WHERE s.id = k.replaced_by_id) AS successors
         FROM api_keys k WHERE k.id = ANY($1)`,
      [keys],
    );
    expect(rows).toHaveLength(keys.length);
    for (const row of rows) expect([row.id, row.successors]).toEqual([row.id, '1']);
    const [{ total }] = await db.query(`SELECT count(*)::int AS total FROM api_keys WHERE user_id = $1`, [owner.userId]);
    expect(total).toBe(2 * keys.length + 2);
    const [{ events }] = await db.query(
      `SELECT count(*)::int AS events FROM audit_events WHERE action = 'key.rotated' AND target_id = ANY($1)`,
      [keys],
    );
    expect(events).toBe(keys.length);
    const [{ sealed }] = await db.query(`SELECT count(*)::int AS sealed FROM api_keys WHERE user_id = $1 AND sealed_key IS NOT NULL`, [
      owner.userId,
    ]);
    expect(sealed).toBe(bySchedule);
    // Each notice (key.rotation_due) went out once: as many as keys flagged, the not-yet-due key among them.
    const [{ flagged }] = await db.query(
      `SELECT count(*)::int AS flagged FROM api_keys WHERE user_id = $1 AND rotation_notified_at IS NOT NULL`,
      [owner.userId],
    );
    expect(passes.reduce((sum, pass) => sum + pass.notified, 0)).toBe(flagged);
    expect(flagged).toBeGreaterThanOrEqual(keys.length + 1 - byHand);
    expect((await a.get(`/api/keys/${notDue.id}`, manager.auth)).body.data.replacedById).toBeNull();
  });
});
