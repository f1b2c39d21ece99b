import { RotationScheduler } from '../../src/api-keys/rotation-scheduler';
import { CreatedKey, Session, TestApp, TestResponse } from '../support/test-app';

const DAY = 86_400_000;
const KEY_SCOPES = ['read:keys', 'write:keys', 'delete:keys'];

/**
 * An API key acts only on keys no wider than itself, and a delegated key only inside its own
 * delegation subtree: otherwise it could rotate or reveal its way to a wider key, or switch off
 * or revoke one. A JWT caller acts as the owner.
 */
describe('which keys a key may act on (e2e)', () => {
  let t: TestApp;
  let owner: Session;
  /** A key holding every scope its owner has (a user's default). */
  let wide: CreatedKey;
  /** A key that may manage keys, and nothing else. */
  let manager: CreatedKey;

  const expectError = (res: TestResponse, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.code, success: res.body?.success }).toEqual({ status, code, success: false });
  };

  /** Every acting route, with a body that would succeed for the owner. */
  const ACTIONS: Array<[string, (id: string, auth: Record<string, string>) => Promise<TestResponse>]> = [
    ['POST /api/keys/:id/rotate', (id, auth) => t.post(`/api/keys/${id}/rotate`, {}, auth)],
    ['PATCH name', (id, auth) => t.patch(`/api/keys/${id}`, { name: 'taken over' }, auth)],
    ['PATCH isActive', (id, auth) => t.patch(`/api/keys/${id}`, { isActive: false }, auth)],
    ['PATCH rotationPolicy', (id, auth) => t.patch(`/api/keys/${id}`, { rotationPolicy: { everyDays: 30 } }, auth)],
    ['PATCH scopes', (id, auth) => t.patch(`/api/keys/${id}`, { scopes: ['read:keys'] }, auth)],
    ['DELETE /api/keys/:id', (id, auth) => t.delete(`/api/keys/${id}`, auth)],
  ];

  /** The key as its owner sees it: unchanged by a refused action. */
  const view = async (id: string) => (await t.get(`/api/keys/${id}`, owner.auth)).body.data;

  beforeAll(async () => {
    t = await TestApp.start({ KEY_ROTATION_GRACE: '1h', KEY_ROTATION_MAX_GRACE: '1d' });
    owner = await t.newUser('authority');
    wide = await t.createKey(owner, { name: 'wide' });
    manager = await t.createKey(owner, { name: 'manager', scopes: KEY_SCOPES });
  });
  afterAll(() => t.close());

  describe.each(ACTIONS)('%s', (_route, act) => {
    it('refuses a wider sibling with 403 insufficient_scope naming what the caller lacks, and changes nothing', async () => {
      const before = await view(wide.id);
      const res = await act(wide.id, manager.auth);
      expectError(res, 403, 'insufficient_scope');
      expect(res.body.error).toContain('write:projects');
      expect(res.body.error).toContain('read:webhooks');
      expect(res.text).not.toMatch(/argus_[0-9A-Za-z]{43}/);
      expect(await view(wide.id)).toEqual(before);
      expect((await t.get('/api/auth/verify', wide.auth)).status).toBe(200);
    });

    it('allows an equal sibling, a narrower one, and the key itself', async () => {
      for (const scopes of [KEY_SCOPES, ['read:keys']]) {
        const sibling = await t.createKey(owner, { name: 'sibling', scopes });
        const res = await act(sibling.id, manager.auth);
        expect([200, 201]).toContain(res.status);
      }
      const self = await t.createKey(owner, { name: 'self', scopes: KEY_SCOPES });
      expect([200, 201]).toContain((await act(self.id, self.auth)).status);
    });

    it('lets the owner (JWT) act on the widest key', async () => {
      const target = await t.createKey(owner, { name: 'owned' });
      expect([200, 201]).toContain((await act(target.id, owner.auth)).status);
    });

    it('refuses a child key its parent: 403 naming the parent’s extra scopes, or forbidden when they are equal', async () => {
      const parent = await t.createKey(owner, { name: 'parent', scopes: [...KEY_SCOPES, 'read:projects'] });
      const narrowChild = await t.post('/api/keys', { name: 'narrow child', scopes: KEY_SCOPES }, parent.auth);
      const equalChild = await t.post('/api/keys', { name: 'equal child' }, parent.auth);
      expect(equalChild.body.data.scopes).toEqual([...KEY_SCOPES, 'read:projects']);
      const before = await view(parent.id);

      const narrower = await act(parent.id, { 'x-api-key': narrowChild.body.data.key });
      expectError(narrower, 403, 'insufficient_scope');
      expect(narrower.body.error).toContain('read:projects');
      expectError(await act(parent.id, { 'x-api-key': equalChild.body.data.key }), 403, 'forbidden');
      // Nor a sibling in the delegation tree, even a narrower one.
      expectError(await act(narrowChild.body.data.id, { 'x-api-key': equalChild.body.data.key }), 403, 'forbidden');
      expect(await view(parent.id)).toEqual(before);

      // Its own descendants are its to manage.
      const grandchild = await t.post('/api/keys', { name: 'grandchild', scopes: KEY_SCOPES }, { 'x-api-key': equalChild.body.data.key });
      expect([200, 201]).toContain((await act(grandchild.body.data.id, { 'x-api-key': equalChild.body.data.key })).status);
    });

    it('answers 404 for a key outside the caller’s binding, as for a missing one', async () => {
      const organization = await t.post('/api/v1/organizations', { name: `Bound ${Math.random()}` }, owner.auth);
      const bound = await t.createKey(owner, { name: 'bound', organizationId: organization.body.data.id, scopes: KEY_SCOPES });
      const unbound = await t.createKey(owner, { name: 'unbound', scopes: ['read:keys'] });
      expectError(await act(unbound.id, bound.auth), 404, 'not_found');
      expect((await view(unbound.id)).status).toBe('active');
    });
  });

  it('keeps reads as they are: a narrower key lists and reads a wider sibling, never its secret', async () => {
    const res = await t.get(`/api/keys/${wide.id}`, manager.auth);
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/argus_[0-9A-Za-z]{43}|keyHash/);
  });

  describe('organisation key routes', () => {
    it('an admin:keys key revokes only keys no wider than itself; the owner (JWT) revokes any', async () => {
      const alice = await t.newUser('org-owner');
      const bob = await t.newUser('org-member');
      const organizationId = (await t.post('/api/v1/organizations', { name: 'Acme' }, alice.auth)).body.data.id;
      const added = await t.post(`/api/v1/organizations/${organizationId}/members`, { userId: bob.userId, role: 'member' }, alice.auth);
      expect(added.status).toBe(201);
      const bobsKey = await t.createKey(bob, { name: 'bob in org', organizationId, scopes: ['read:projects', 'write:keys'] });
      const onlyAdmin = await t.createKey(alice, { name: 'org janitor', organizationId, scopes: ['admin:keys'] });
      const denied = await t.delete(`/api/v1/organizations/${organizationId}/keys/${bobsKey.id}`, onlyAdmin.auth);
      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error).toContain('read:projects');
      expect(denied.body.error).toContain('write:keys');
      expect((await t.get('/api/auth/verify', bobsKey.auth)).status).toBe(200);

      const wideEnough = await t.createKey(alice, {
        name: 'org admin',
        organizationId,
        scopes: ['admin:keys', 'read:projects', 'write:keys'],
      });
      const revoked = await t.delete(`/api/v1/organizations/${organizationId}/keys/${bobsKey.id}`, wideEnough.auth);
      expect({ status: revoked.status, state: revoked.body.data?.status }).toEqual({ status: 200, state: 'revoked' });

      const bobsOther = await t.createKey(bob, { name: 'bob again', organizationId, scopes: ['read:projects'] });
      expect((await t.delete(`/api/v1/organizations/${organizationId}/keys/${bobsOther.id}`, alice.auth)).status).toBe(200);
    });
  });

  // Last: the clock moves a day on, past every JWT above.
  describe('POST /api/keys/:id/reveal', () => {
    it('reveals a scheduled successor only to a key at least as wide, or to the owner', async () => {
      t.clock.freeze();
      const scheduled = await t.createKey(owner, { name: 'scheduled wide', rotationPolicy: { everyDays: 1, notifyDaysBefore: 0 } });
      const scheduledNarrow = await t.createKey(owner, {
        name: 'scheduled narrow',
        scopes: ['read:keys'],
        rotationPolicy: { everyDays: 1, notifyDaysBefore: 0 },
      });
      const organization = await t.post('/api/v1/organizations', { name: 'Reveal Co' }, owner.auth);
      const bound = await t.createKey(owner, { name: 'bound', organizationId: organization.body.data.id, scopes: KEY_SCOPES });
      t.clock.advance(DAY + 60_000);
      expect((await t.app.get(RotationScheduler).tick()).rotated).toBeGreaterThanOrEqual(2);
      const successorOf = async (id: string): Promise<string> => (await t.get(`/api/keys/${id}`, wide.auth)).body.data.replacedById;
      const wideSuccessor = await successorOf(scheduled.id);
      const narrowSuccessor = await successorOf(scheduledNarrow.id);

      const denied = await t.post(`/api/keys/${wideSuccessor}/reveal`, {}, manager.auth);
      expectError(denied, 403, 'insufficient_scope');
      expect(denied.body.error).toContain('write:projects');
      expect(denied.text).not.toMatch(/argus_[0-9A-Za-z]{43}/);
      expectError(await t.post(`/api/keys/${narrowSuccessor}/reveal`, {}, bound.auth), 404, 'not_found');

      // Still sealed: the refusals claimed nothing.
      const revealed = await t.post(`/api/keys/${wideSuccessor}/reveal`, {}, wide.auth);
      expect(revealed.status).toBe(200);
      expect(revealed.body.data.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      const narrow = await t.post(`/api/keys/${narrowSuccessor}/reveal`, {}, manager.auth);
      expect(narrow.status).toBe(200);
    });
  });
});
