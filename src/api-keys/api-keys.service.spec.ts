import { AUDIT, NOW, jwtCaller, keyStub, keysTestContext, KeysTestContext, rejection } from '../../test/support/api-keys-unit';
import { ApiKeysService } from './api-keys.service';
import { ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';

const listQuery = (overrides: Partial<ListApiKeysQueryDto> = {}): ListApiKeysQueryDto =>
  Object.assign(new ListApiKeysQueryDto(), overrides);

describe(ApiKeysService.name, () => {
  let ctx: KeysTestContext;
  let sut: ApiKeysService;

  beforeEach(() => {
    ctx = keysTestContext();
    sut = new ApiKeysService(ctx.keys, ctx.unitOfWork, ctx.manageable, ctx.settings, ctx.mapper, ctx.audit, ctx.clock, ctx.config.apiKeys);
  });

  /** A key the caller owns, as the row lock loads it. */
  const owned = (overrides: Partial<ApiKeyEntity> = {}): ApiKeyEntity => {
    const key = keyStub(overrides);
    ctx.keys.lockInBoundary.mockResolvedValue(key);
    return key;
  };

  /** The key.updated events recorded, each with the manager it was written through. */
  const updates = () => ctx.audit.record.mock.calls.map(([manager, audit, event]) => ({ manager, audit, event }));

  describe('updateKey', () => {
    it('narrows scopes and renames the key it locked inside the caller’s boundary, through the transaction', async () => {
      const key = owned({ scopes: ['read:keys', 'write:keys'] });
      const updated = await sut.updateKey(jwtCaller(), key.id, { scopes: ['read:keys'], name: 'renamed' }, AUDIT);

      expect(updated).toMatchObject({ id: key.id, scopes: ['read:keys'], name: 'renamed' });
      expect(ctx.keys.lockInBoundary).toHaveBeenCalledWith(ctx.tx, { userId: 'user-1' }, key.id);
      expect(ctx.keys.save).toHaveBeenCalledWith(ctx.tx, expect.objectContaining({ id: key.id, scopes: ['read:keys'], name: 'renamed' }));
    });

    it('records key.updated with a from/to diff of only the fields that changed, in the transaction, without the hash', async () => {
      const key = owned({ scopes: ['read:keys', 'write:keys'], name: 'seeded', isActive: true });
      await sut.updateKey(jwtCaller(), key.id, { scopes: ['read:keys'], name: 'renamed', isActive: true, quota: null }, AUDIT);

      expect(updates()).toEqual([
        {
          manager: ctx.manager,
          audit: AUDIT,
          event: {
            action: 'key.updated',
            targetType: 'api_key',
            targetId: key.id,
            ownerId: 'user-1',
            changes: { scopes: { from: ['read:keys', 'write:keys'], to: ['read:keys'] }, name: { from: 'seeded', to: 'renamed' } },
          },
        },
      ]);
      expect(JSON.stringify(ctx.audit.record.mock.calls)).not.toContain(key.keyHash);
    });

    it('records a changed rate limit and quota from their old to their new settings', async () => {
      const key = owned({ rateLimit: { limit: 10, windowSeconds: 60 }, quota: null });
      await sut.updateKey(jwtCaller(), key.id, { rateLimit: null, quota: { limit: 100, period: 'day' } }, AUDIT);

      expect(updates().map(({ event }) => event.changes)).toEqual([
        { rateLimit: { from: { limit: 10, windowSeconds: 60 }, to: null }, quota: { from: null, to: { limit: 100, period: 'day' } } },
      ]);
    });

    it('records nothing when nothing changed, and still saves', async () => {
      const key = owned({ name: 'seeded', scopes: ['read:keys'], isActive: true });
      await sut.updateKey(jwtCaller(), key.id, { name: 'seeded', scopes: ['read:keys'], isActive: true }, AUDIT);
      await sut.updateKey(jwtCaller(), key.id, {}, AUDIT);

      expect(ctx.audit.record).not.toHaveBeenCalled();
      expect(ctx.keys.save).toHaveBeenCalledTimes(2);
    });

    it('deactivates a key, and records it as key.updated', async () => {
      const key = owned();
      const updated = await sut.updateKey(jwtCaller(), key.id, { isActive: false }, AUDIT);
      expect(updated).toMatchObject({ isActive: false, status: 'inactive' });
      expect(updates().map(({ event }) => event.changes)).toEqual([{ isActive: { from: true, to: false } }]);
    });

    it('narrows a wildcard to a covered scope', async () => {
      const key = owned({ scopes: ['read:*'] });
      await expect(sut.updateKey(jwtCaller(), key.id, { scopes: ['read:users'] }, AUDIT)).resolves.toMatchObject({
        scopes: ['read:users'],
      });
    });

    it('refuses to widen scopes with 400 validation_failed, changing nothing', async () => {
      const key = owned({ scopes: ['read:keys'] });
      const error = await rejection(sut.updateKey(jwtCaller(), key.id, { scopes: ['read:keys', 'write:keys'] }, AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain('write:keys');
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it('refuses an owner a rate limit above the ceiling', async () => {
      const key = owned();
      const error = await rejection(sut.updateKey(jwtCaller(), key.id, { rateLimit: { limit: 1_000_000, windowSeconds: 1 } }, AUDIT));
      expect(error.details?.[0].field).toBe('rateLimit');
      expect(ctx.keys.save).not.toHaveBeenCalled();
    });

    it('refuses to change a revoked key with 409 conflict', async () => {
      const key = owned({ revokedAt: new Date(NOW - 1000) });
      const error = await rejection(sut.updateKey(jwtCaller(), key.id, { isActive: true }, AUDIT));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it("answers 404 not_found for a key outside the caller's boundary", async () => {
      ctx.keys.lockInBoundary.mockResolvedValue(null);
      const error = await rejection(sut.updateKey(jwtCaller(), 'someone-elses', { isActive: false }, AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it('starts a new rotation schedule from now, and leaves the same schedule alone', async () => {
      const key = owned();
      await sut.updateKey(jwtCaller(), key.id, { rotationPolicy: { everyDays: 10 } }, AUDIT);
      expect(key).toMatchObject({ rotationDueAt: new Date(NOW + 10 * 86_400_000), rotationNotifiedAt: null });
      key.rotationDueAt = new Date(NOW + 1);
      await sut.updateKey(jwtCaller(), key.id, { rotationPolicy: { everyDays: 10 } }, AUDIT);
      expect(key.rotationDueAt).toEqual(new Date(NOW + 1));
    });
  });

  describe('getKey and listKeys', () => {
    it("answers 404 not_found for a key outside the caller's boundary", async () => {
      ctx.keys.findInBoundary.mockResolvedValue(null);
      const error = await rejection(sut.getKey(jwtCaller(), 'key-9'));
      expect(error.getStatus()).toBe(404);
      expect(ctx.keys.findInBoundary).toHaveBeenCalledWith({ userId: 'user-1' }, 'key-9');
    });

    it('bounds a bound caller to its binding', async () => {
      ctx.keys.findInBoundary.mockResolvedValue(keyStub());
      await sut.getKey(jwtCaller('user', { organizationId: 'org-1', projectId: 'project-1' }), 'key-1');
      expect(ctx.keys.findInBoundary).toHaveBeenCalledWith({ userId: 'user-1', projectId: 'project-1' }, 'key-1');
    });

    it('merges a pending last use that is newer than the stored one', async () => {
      ctx.keys.findInBoundary.mockResolvedValue(keyStub({ lastUsedAt: new Date(NOW - 60_000) }));
      ctx.lastUsed.pendingFor.mockReturnValue(new Date(NOW - 1000));
      await expect(sut.getKey(jwtCaller(), 'key-1')).resolves.toMatchObject({ lastUsedAt: new Date(NOW - 1000).toISOString() });
      expect(ctx.lastUsed.pendingFor).toHaveBeenCalledWith('key-1');
    });

    it("lists the caller's keys one page at a time", async () => {
      ctx.keys.listInBoundary.mockResolvedValue([[keyStub()], 3]);
      const result = await sut.listKeys(jwtCaller(), listQuery({ page: 2, limit: 2 }));
      expect(ctx.keys.listInBoundary).toHaveBeenCalledWith({ userId: 'user-1' }, { skip: 2, take: 2 });
      expect(result.total).toBe(3);
      expect(result.items).toHaveLength(1);
      expect(result.items[0]).not.toHaveProperty('keyHash');
    });

    it('narrows the boundary by a filter, and matches nothing for one that contradicts it', async () => {
      ctx.keys.listInBoundary.mockResolvedValue([[], 0]);
      await sut.listKeys(jwtCaller(), listQuery({ organizationId: 'org-1' }));
      expect(ctx.keys.listInBoundary).toHaveBeenCalledWith({ userId: 'user-1', organizationId: 'org-1' }, { skip: 0, take: 20 });

      const bound = jwtCaller('user', { organizationId: 'org-1' });
      await expect(sut.listKeys(bound, listQuery({ organizationId: 'org-2' }))).resolves.toEqual({ items: [], total: 0 });
      expect(ctx.keys.listInBoundary).toHaveBeenCalledTimes(1);
    });
  });
});
