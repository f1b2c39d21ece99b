import { DataSource } from 'typeorm';
import { KeyRotationService } from '../../src/api-keys/key-rotation.service';
import { RotationScheduler } from '../../src/api-keys/rotation-scheduler';
import { CreatedKey, Session, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const DAY = 86_400_000;

interface Delivered {
  type: string;
  data: Record<string, unknown> & { keyId: string };
}

describe('rotation policies (e2e)', () => {
  let t: TestApp;
  let scheduler: RotationScheduler;
  let receiver: WebhookReceiver;
  let owner: Session;
  /** The owner's own key, for requests after the clock has moved past a JWT's lifetime. */
  let owned: CreatedKey;

  beforeAll(async () => {
    t = await TestApp.start({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '50',
      KEY_ROTATION_GRACE: '1h',
      KEY_ROTATION_MAX_GRACE: '1d',
    });
    t.clock.freeze();
    scheduler = t.app.get(RotationScheduler);
    receiver = await WebhookReceiver.start();
    owner = await t.newUser('scheduled');
    owned = await t.createKey(owner, { name: 'management' });
    const hook = await t.post('/api/webhooks', { url: receiver.url, events: ['key.rotation_due', 'key.rotated'] }, owned.auth);
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const auth = () => owned.auth;
  const view = async (id: string) => (await t.get(`/api/keys/${id}`, auth())).body.data;
  const deliveries = (): Delivered[] => receiver.received.map((message) => JSON.parse(message.body) as Delivered);
  const about = (keyId: string, type: string): Delivered[] => deliveries().filter((d) => d.type === type && d.data.keyId === keyId);
  /** Lets the webhook worker send what is due, then a little longer to catch a duplicate. */
  const settle = async (count: number) => {
    await receiver.waitFor(count);
    await new Promise((resolve) => setTimeout(resolve, 300));
  };

  it('refuses a bad policy with 400 validation_failed naming the field, and creates nothing', async () => {
    const before = (await t.get('/api/keys', auth())).body.meta.total;
    const cases: Array<[unknown, string]> = [
      [{ everyDays: 0 }, 'rotationPolicy.everyDays'],
      [{ everyDays: 3651 }, 'rotationPolicy.everyDays'],
      [{ everyDays: 1.5 }, 'rotationPolicy.everyDays'],
      [{ everyDays: '30' }, 'rotationPolicy.everyDays'],
      [{}, 'rotationPolicy.everyDays'],
      [{ everyDays: 30, gracePeriodSeconds: -1 }, 'rotationPolicy.gracePeriodSeconds'],
      // Above KEY_ROTATION_MAX_GRACE (1 day here), though below the absolute bound.
      [{ everyDays: 30, gracePeriodSeconds: 2 * 86_400 }, 'rotationPolicy.gracePeriodSeconds'],
      [{ everyDays: 7, notifyDaysBefore: 7 }, 'rotationPolicy.notifyDaysBefore'],
      [{ everyDays: 1, notifyDaysBefore: 1 }, 'rotationPolicy.notifyDaysBefore'],
      [{ everyDays: 7, notifyDaysBefore: -1 }, 'rotationPolicy.notifyDaysBefore'],
      [{ everyDays: 30, jitter: 3 }, 'rotationPolicy.jitter'],
      ['monthly', 'rotationPolicy'],
    ];
    const key = await t.createKey(owner, { name: 'unchanged' });
    for (const [rotationPolicy, field] of cases) {
      for (const res of [
        await t.post('/api/keys', { name: 'bad', rotationPolicy }, auth()),
        await t.patch(`/api/keys/${key.id}`, { rotationPolicy }, auth()),
      ]) {
        expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
    }
    expect((await t.get('/api/keys', auth())).body.meta.total).toBe(before + 1);
    expect((await view(key.id)).rotationPolicy).toBeNull();
    await t.delete(`/api/keys/${key.id}`, auth());
  });

  it('stores the policy with its defaults and shows it with the next due date; PATCH replaces or removes it, audited', async () => {
    const res = await t.post('/api/keys', { name: 'monthly', rotationPolicy: { everyDays: 30 } }, auth());
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      rotationPolicy: { everyDays: 30, gracePeriodSeconds: 3600, notifyDaysBefore: 7 },
      rotationDueAt: new Date(t.clock.now() + 30 * DAY).toISOString(),
      revealPending: false,
    });
    const id = res.body.data.id as string;
    expect(await view(id)).toMatchObject({ rotationPolicy: { everyDays: 30 }, revealPending: false });
    const listed = (await t.get('/api/keys?limit=100', auth())).body.data.find((k: { id: string }) => k.id === id);
    expect(listed.rotationDueAt).toBe(res.body.data.rotationDueAt);
    // Short periods default the notice to the day before, or to the due time itself.
    const short = await t.createKey(owner, { rotationPolicy: { everyDays: 3 } });
    expect((await view(short.id)).rotationPolicy.notifyDaysBefore).toBe(2);
    const daily = await t.createKey(owner, { rotationPolicy: { everyDays: 1 } });
    expect((await view(daily.id)).rotationPolicy.notifyDaysBefore).toBe(0);

    t.clock.advance(DAY);
    const changed = await t.patch(
      `/api/keys/${id}`,
      { rotationPolicy: { everyDays: 10, gracePeriodSeconds: 60, notifyDaysBefore: 0 } },
      auth(),
    );
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      rotationPolicy: { everyDays: 10, gracePeriodSeconds: 60, notifyDaysBefore: 0 },
      rotationDueAt: new Date(t.clock.now() + 10 * DAY).toISOString(),
    });
    // The same policy again is no change: the due date stays.
    t.clock.advance(DAY);
    const same = await t.patch(
      `/api/keys/${id}`,
      { rotationPolicy: { everyDays: 10, gracePeriodSeconds: 60, notifyDaysBefore: 0 } },
      auth(),
    );
    expect(same.body.data.rotationDueAt).toBe(changed.body.data.rotationDueAt);
    const removed = await t.patch(`/api/keys/${id}`, { rotationPolicy: null }, auth());
    expect(removed.body.data).toMatchObject({ rotationPolicy: null, rotationDueAt: null });

    const trail = (await t.get(`/api/keys/${id}/events`, auth())).body.data as Array<{ action: string; changes: Record<string, unknown> }>;
    expect(trail.filter((e) => e.action === 'key.updated').map((e) => e.changes.rotationPolicy)).toEqual([
      { from: { everyDays: 10, gracePeriodSeconds: 60, notifyDaysBefore: 0 }, to: null },
      {
        from: { everyDays: 30, gracePeriodSeconds: 3600, notifyDaysBefore: 7 },
        to: { everyDays: 10, gracePeriodSeconds: 60, notifyDaysBefore: 0 },
      },
    ]);
    expect(trail.find((e) => e.action === 'key.created')?.changes.rotationPolicy).toEqual({
      from: null,
      to: { everyDays: 30, gracePeriodSeconds: 3600, notifyDaysBefore: 7 },
    });
    for (const key of [id, short.id, daily.id]) await t.delete(`/api/keys/${key}`, auth());
  });

  it('announces key.rotation_due once, then rotates at the due time: grace, reveal once, a new schedule', async () => {
    const old = await t.createKey(owner, {
      name: 'nightly',
      scopes: ['read:keys'],
      rateLimit: { limit: 50, windowSeconds: 60 },
      rotationPolicy: { everyDays: 10, gracePeriodSeconds: 600, notifyDaysBefore: 3 },
    });
    const dueAt = new Date(t.clock.now() + 10 * DAY).toISOString();
    const received = receiver.received.length;

    t.clock.advance(7 * DAY - 1000);
    expect(await scheduler.tick()).toEqual({ notified: 0, rotated: 0 });
    t.clock.advance(1000);
    expect(await scheduler.tick()).toEqual({ notified: 1, rotated: 0 });
    expect(await scheduler.tick()).toEqual({ notified: 0, rotated: 0 });
    await settle(received + 1);
    const [notice, ...more] = about(old.id, 'key.rotation_due');
    expect(more).toEqual([]);
    expect(notice.data).toEqual({
      keyId: old.id,
      ownerId: owner.userId,
      changes: null,
      name: 'nightly',
      keyPrefix: old.key.slice(0, 8),
      rotationDueAt: dueAt,
    });
    expect((await t.get('/api/auth/verify', old.auth)).status).toBe(200);

    t.clock.advance(3 * DAY - 1000);
    expect(await scheduler.tick()).toEqual({ notified: 0, rotated: 0 });
    t.clock.advance(1000);
    expect(await scheduler.tick()).toEqual({ notified: 0, rotated: 1 });
    expect(await scheduler.tick()).toEqual({ notified: 0, rotated: 0 });

    const previous = await view(old.id);
    const successorId = previous.replacedById as string;
    expect(previous).toMatchObject({ status: 'active', rotatedAt: expect.any(String), rotationDueAt: null, revealPending: false });
    expect(previous.expiresAt).toBe(new Date(t.clock.now() + 600_000).toISOString());
    const successor = await view(successorId);
    expect(successor).toMatchObject({
      name: 'nightly',
      scopes: ['read:keys'],
      rateLimit: { limit: 50, windowSeconds: 60 },
      status: 'active',
      revealPending: true,
      rotationPolicy: { everyDays: 10, gracePeriodSeconds: 600, notifyDaysBefore: 3 },
      rotationDueAt: new Date(t.clock.now() + 10 * DAY).toISOString(),
    });

    await settle(received + 2);
    const [rotated, ...again] = about(old.id, 'key.rotated');
    expect(again).toEqual([]);
    expect(rotated.data).toMatchObject({
      keyId: old.id,
      ownerId: owner.userId,
      trigger: 'schedule',
      successorId,
      successorKeyPrefix: successor.keyPrefix,
      previousKeyExpiresAt: previous.expiresAt,
      revealPath: `/api/keys/${successorId}/reveal`,
      changes: { replacedById: { from: null, to: successorId } },
    });

    // Only the owner, and only once; a key that was not issued by the scheduler has nothing to reveal.
    const stranger = await t.newUser('stranger');
    for (const res of [
      await t.post(`/api/keys/${successorId}/reveal`, {}, stranger.auth),
      await t.post(`/api/keys/${old.id}/reveal`, {}, auth()),
      await t.post(`/api/keys/${owned.id}/reveal`, {}, auth()),
    ]) {
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    }
    const revealed = await t.post(`/api/keys/${successorId}/reveal`, {}, auth());
    expect(revealed.status).toBe(200);
    expect(revealed.headers['cache-control']).toBe('no-store');
    expect(revealed.body.message).toBe('Save it now - it cannot be retrieved again.');
    const plaintext = revealed.body.data.key as string;
    expect(plaintext).toMatch(/^argus_[0-9A-Za-z]{43}$/);
    expect(plaintext).not.toBe(old.key);
    expect(revealed.body.data).toMatchObject({ id: successorId, keyPrefix: plaintext.slice(0, 8), revealPending: false });
    const second = await t.post(`/api/keys/${successorId}/reveal`, {}, auth());
    expect([second.status, second.body.code]).toEqual([404, 'not_found']);
    expect((await view(successorId)).revealPending).toBe(false);

    const newAuth = { 'x-api-key': plaintext };
    expect((await t.get('/api/auth/verify', newAuth)).body.data.keyId).toBe(successorId);
    t.clock.advance(599_000);
    expect((await t.get('/api/auth/verify', old.auth)).status).toBe(200);
    t.clock.advance(1000);
    const denied = await t.get('/api/auth/verify', old.auth);
    expect([denied.status, denied.body.code]).toEqual([401, 'api_key_rotated']);
    expect((await t.get('/api/auth/verify', newAuth)).status).toBe(200);

    // Argus acted on its own: the rotation is the system's, the reveal the owner's.
    const admin = await t.admin();
    const trail = (await t.get(`/api/admin/audit-events?limit=100&targetId=${old.id}`, admin.auth)).body.data;
    expect(trail.find((e: { action: string }) => e.action === 'key.rotated')).toMatchObject({
      actorType: 'system',
      actorId: null,
      ip: null,
    });
    const successorTrail = (await t.get(`/api/keys/${successorId}/events`, auth())).body.data;
    expect(successorTrail).toEqual([expect.objectContaining({ action: 'key.revealed', actorType: 'api_key', actorId: owner.userId })]);

    // The plaintext is nowhere but in the one reveal: not in webhooks, audit rows, logs or the database.
    const allAudit = (await t.get('/api/admin/audit-events?limit=100', admin.auth)).text;
    const stored = await t.app.get(DataSource).query(`SELECT sealed_key FROM api_keys WHERE id = $1`, [successorId]);
    expect(stored).toEqual([{ sealed_key: null }]);
    for (const text of [...receiver.received.map((m) => m.body), allAudit, t.logs.join('\n')]) {
      expect(text).not.toContain(plaintext);
      expect(text).not.toContain(plaintext.slice(6));
    }
  });

  it('leaves revoked, deactivated and expired keys alone, and wipes the sealed key of a revoked successor', async () => {
    const policy = { everyDays: 1, gracePeriodSeconds: 0 };
    const revoked = await t.createKey(owner, { rotationPolicy: policy });
    await t.delete(`/api/keys/${revoked.id}`, auth());
    expect((await view(revoked.id)).rotationDueAt).toBeNull();
    const inactive = await t.createKey(owner, { rotationPolicy: policy });
    await t.patch(`/api/keys/${inactive.id}`, { isActive: false }, auth());
    const expiring = await t.createKey(owner, { rotationPolicy: policy, expiresAt: new Date(t.clock.now() + DAY / 2).toISOString() });
    const active = await t.createKey(owner, { rotationPolicy: policy });
    const received = receiver.received.length;

    t.clock.advance(DAY);
    expect(await scheduler.tick()).toEqual({ notified: 1, rotated: 1 });
    for (const key of [revoked, inactive, expiring]) expect((await view(key.id)).replacedById).toBeNull();
    await settle(received + 2);
    expect(
      deliveries()
        .slice(received)
        .map((d) => [d.type, d.data.keyId])
        .sort(),
    ).toEqual([
      ['key.rotated', active.id],
      ['key.rotation_due', active.id],
    ]);

    // The successor is revoked before anyone revealed it: its sealed copy goes with it.
    const successorId = (await view(active.id)).replacedById as string;
    expect((await view(successorId)).revealPending).toBe(true);
    const gone = await t.delete(`/api/keys/${successorId}`, auth());
    expect(gone.body.data).toMatchObject({ status: 'revoked', revealPending: false, rotationDueAt: null });
    expect((await t.post(`/api/keys/${successorId}/reveal`, {}, auth())).status).toBe(404);
    const stored = await t.app.get(DataSource).query(`SELECT sealed_key FROM api_keys WHERE id = $1`, [successorId]);
    expect(stored).toEqual([{ sealed_key: null }]);

    // Reactivated, the overdue key is rotated on the next tick.
    await t.patch(`/api/keys/${inactive.id}`, { isActive: true }, auth());
    expect((await scheduler.tick()).rotated).toBe(1);
    expect((await view(inactive.id)).replacedById).toEqual(expect.any(String));
    await t.delete(`/api/keys/${(await view(inactive.id)).replacedById}`, auth());
    await t.delete(`/api/keys/${expiring.id}`, auth());
  });

  it('carries the policy through a manual rotation, which seals nothing; a rotated key’s policy cannot be changed', async () => {
    const key = await t.createKey(owner, { rotationPolicy: { everyDays: 5 } });
    const rotated = await t.post(`/api/keys/${key.id}/rotate`, {}, auth());
    expect(rotated.status).toBe(201);
    expect(rotated.body.data).toMatchObject({
      rotationPolicy: { everyDays: 5, gracePeriodSeconds: 3600, notifyDaysBefore: 5 - 1 },
      rotationDueAt: new Date(t.clock.now() + 5 * DAY).toISOString(),
      revealPending: false,
    });
    expect((await t.post(`/api/keys/${rotated.body.data.id}/reveal`, {}, auth())).status).toBe(404);
    const change = await t.patch(`/api/keys/${key.id}`, { rotationPolicy: { everyDays: 2 } }, auth());
    expect([change.status, change.body.code]).toEqual([409, 'conflict']);
    expect((await t.patch(`/api/keys/${key.id}`, { rotationPolicy: null }, auth())).status).toBe(409);
    expect((await view(key.id)).rotationDueAt).toBeNull();
    await t.delete(`/api/keys/${rotated.body.data.id}`, auth());
  });

  it('reveal needs write:keys and a well-formed id', async () => {
    const readOnly = await t.createKey(owner, { scopes: ['read:keys'] });
    const res = await t.post(`/api/keys/${owned.id}/reveal`, {}, readOnly.auth);
    expect([res.status, res.body.code]).toEqual([403, 'insufficient_scope']);
    expect((await t.post(`/api/keys/${owned.id}/reveal`, {})).status).toBe(401);
    expect((await t.post('/api/keys/not-a-uuid/reveal', {}, auth())).status).toBe(400);
  });

  it('a key whose rotation fails is retried an hour later, without holding up the rest of its batch', async () => {
    const policy = { everyDays: 1, gracePeriodSeconds: 0, notifyDaysBefore: 0 };
    const failing = await t.createKey(owner, { rotationPolicy: policy });
    const healthy = await t.createKey(owner, { rotationPolicy: policy });
    const rotation = t.app.get(KeyRotationService);
    const original = rotation.rotateLocked.bind(rotation);
    const spy = jest.spyOn(rotation, 'rotateLocked').mockImplementation(async (manager, old, options) => {
      if (old.id === failing.id) throw new Error('injected failure');
      return original(manager, old, options);
    });
    try {
      t.clock.advance(DAY);
      expect((await scheduler.tick()).rotated).toBe(1);
      expect((await view(healthy.id)).replacedById).toEqual(expect.any(String));
      const stalled = await view(failing.id);
      expect(stalled.replacedById).toBeNull();
      expect(stalled.rotationDueAt).toBe(new Date(t.clock.now() + 3_600_000).toISOString());
      expect(t.logs.join('')).toContain(`Scheduled rotation of key ${failing.id} failed`);
    } finally {
      spy.mockRestore();
    }
    t.clock.advance(3_600_000);
    expect((await scheduler.tick()).rotated).toBe(1);
    expect((await view(failing.id)).replacedById).toEqual(expect.any(String));
    for (const key of [failing, healthy]) await t.delete(`/api/keys/${(await view(key.id)).replacedById}`, auth());
  });
});
