import { createHash } from 'node:crypto';
import { ROLE_SCOPES } from '../access/scopes';
import type { ResourceAccess } from '../access/resource.decorators';
import { AUDIT, NOW, jwtCaller, keyCaller, keysTestContext, KeysTestContext, rejection } from '../../test/support/api-keys-unit';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { KeyIssuingService } from './key-issuing.service';

const createDto = (overrides: Partial<CreateApiKeyDto> = {}): CreateApiKeyDto =>
  Object.assign(new CreateApiKeyDto(), { name: 'ci', ...overrides });

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');

describe(KeyIssuingService.name, () => {
  let ctx: KeysTestContext;
  let sut: KeyIssuingService;

  beforeEach(() => {
    ctx = keysTestContext();
    sut = new KeyIssuingService(
      ctx.keys,
      ctx.unitOfWork,
      ctx.delegation,
      ctx.settings,
      ctx.mapper,
      ctx.audit,
      ctx.clock,
      ctx.config.apiKeys,
    );
  });

  /** The row handed to the repository by the only insert. */
  const stored = () => {
    expect(ctx.keys.insert).toHaveBeenCalledTimes(1);
    const [tx, fields] = ctx.keys.insert.mock.calls[0];
    expect(tx).toBe(ctx.tx);
    return fields;
  };

  describe('createKey', () => {
    it('refuses to mint from a key revoked (or deactivated) since it authenticated, and writes nothing', async () => {
      ctx.keys.shareLockState.mockResolvedValueOnce({ revokedAt: new Date(NOW - 1), isActive: true });
      const revoked = await rejection(sut.createKey(keyCaller(['read:keys', 'write:keys']), createDto(), AUDIT));
      expect(revoked).toMatchObject({ status: 401, code: 'api_key_revoked' });
      ctx.keys.shareLockState.mockResolvedValueOnce({ revokedAt: null, isActive: false });
      const inactive = await rejection(sut.createKey(keyCaller(['read:keys', 'write:keys']), createDto(), AUDIT));
      expect(inactive).toMatchObject({ status: 401, code: 'api_key_inactive' });
      ctx.keys.shareLockState.mockResolvedValueOnce(null);
      const gone = await rejection(sut.createKey(keyCaller(['read:keys', 'write:keys']), createDto(), AUDIT));
      expect(gone).toMatchObject({ status: 401, code: 'api_key_revoked' });

      expect(ctx.keys.shareLockState).toHaveBeenCalledWith(ctx.tx, 'calling-key');
      expect(ctx.keys.insert).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it('locks no parent for a key minted by its user', async () => {
      await sut.createKey(jwtCaller(), createDto(), AUDIT);
      expect(ctx.keys.shareLockState).not.toHaveBeenCalled();
    });

    it('returns a well-formed key once and stores only its SHA-256', async () => {
      const created = await sut.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }), AUDIT);

      expect(created.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      const row = stored();
      expect(row.keyHash).toBe(sha256(created.key));
      for (const value of Object.values(row)) expect(value).not.toBe(created.key);
      expect(JSON.stringify(row)).not.toContain(created.key);
      expect(row.keyPrefix).toBe(created.key.slice(0, 8));

      expect(created).not.toHaveProperty('keyHash');
      expect(created).toMatchObject({ name: 'ci', scopes: ['read:keys'], keyPrefix: created.key.slice(0, 8), status: 'active' });
    });

    it('records key.created for the new key, in the transaction that stores it, with neither the key nor its hash', async () => {
      const inTransaction: boolean[] = [];
      ctx.audit.record.mockImplementation(async () => void inTransaction.push(ctx.inTransaction));
      const created = await sut.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }), AUDIT);

      expect(ctx.transactions).toBe(1);
      expect(ctx.audit.record.mock.calls).toEqual([
        [
          ctx.manager,
          AUDIT,
          {
            action: 'key.created',
            targetType: 'api_key',
            targetId: created.id,
            ownerId: 'user-1',
            changes: { name: { from: null, to: 'ci' }, scopes: { from: null, to: ['read:keys'] } },
          },
        ],
      ]);
      expect(inTransaction).toEqual([true]);
      const recorded = JSON.stringify(ctx.audit.record.mock.calls);
      expect(recorded).not.toContain(created.key);
      expect(recorded).not.toContain(sha256(created.key));
      expect(recorded).not.toContain(created.key.slice(6));
    });

    it('records nothing when the key is refused', async () => {
      await rejection(sut.createKey(jwtCaller('user'), createDto({ scopes: ['admin:all'] }), AUDIT));
      await rejection(sut.createKey(jwtCaller(), createDto({ expiresAt: new Date(NOW) }), AUDIT));
      expect(ctx.unitOfWork.run).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it('gives every key a different secret', async () => {
      const first = await sut.createKey(jwtCaller(), createDto(), AUDIT);
      const second = await sut.createKey(jwtCaller(), createDto(), AUDIT);
      expect(first.key).not.toBe(second.key);
    });

    it("stores the key for the caller, with the request's settings", async () => {
      const expiresAt = new Date(NOW + 86_400_000);
      await sut.createKey(
        jwtCaller(),
        createDto({ scopes: ['read:keys'], expiresAt, rateLimit: { limit: 10, windowSeconds: 60 }, allowedIps: ['10.0.0.0/8'] }),
        AUDIT,
      );
      expect(stored()).toMatchObject({
        userId: 'user-1',
        name: 'ci',
        organizationId: null,
        projectId: null,
        parentKeyId: null,
        isActive: true,
        expiresAt,
        rateLimit: { limit: 10, windowSeconds: 60 },
        allowedIps: ['10.0.0.0/8'],
        rotationPolicy: null,
        rotationDueAt: null,
      });
    });

    it('refuses a scope a JWT caller does not hold with 403 insufficient_scope naming it', async () => {
      const error = await rejection(sut.createKey(jwtCaller('user'), createDto({ scopes: ['read:keys', 'admin:all'] }), AUDIT));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('admin:all');
      expect(error.message).not.toContain('read:keys');
      expect(ctx.keys.insert).not.toHaveBeenCalled();
    });

    it('refuses a scope the calling key does not hold, even if its owner role would', async () => {
      const error = await rejection(sut.createKey(keyCaller(['read:keys']), createDto({ scopes: ['write:keys'] }), AUDIT));
      expect(error.getStatus()).toBe(403);
      expect(error.code).toBe('insufficient_scope');
      expect(error.message).toContain('write:keys');
      expect(ctx.keys.insert).not.toHaveBeenCalled();
    });

    it('inside an organisation, grants no more than the minter’s role there allows', async () => {
      const access: ResourceAccess = { organizationId: 'org-1', projectId: null, role: 'member' };
      const error = await rejection(sut.createKey(jwtCaller(), createDto({ scopes: ['admin:keys'] }), AUDIT, access));
      expect(error.code).toBe('insufficient_scope');
      await sut.createKey(jwtCaller(), createDto({ scopes: ['read:keys'] }), AUDIT, access);
      expect(stored()).toMatchObject({ organizationId: 'org-1', projectId: null, scopes: ['read:keys'] });
    });

    it('lets a wildcard holder mint a narrower key', async () => {
      const created = await sut.createKey(keyCaller(['read:*']), createDto({ scopes: ['read:projects'] }), AUDIT);
      expect(created.scopes).toEqual(['read:projects']);
    });

    it.each([
      ['in the past', NOW - 1000],
      ['exactly now', NOW],
    ])('refuses expiresAt %s with 400 validation_failed', async (_label, time) => {
      const error = await rejection(sut.createKey(jwtCaller(), createDto({ expiresAt: new Date(time) }), AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([{ field: 'expiresAt', messages: [expect.stringContaining('future')] }]);
      expect(ctx.keys.insert).not.toHaveBeenCalled();
    });

    it("gives a key minted by a key its parent's expiry, and refuses a later one", async () => {
      const parentExpiry = new Date(NOW + 3_600_000);
      const caller = keyCaller(['read:keys', 'write:keys'], { expiresAt: parentExpiry });
      const later = await rejection(sut.createKey(caller, createDto({ expiresAt: new Date(NOW + 7_200_000) }), AUDIT));
      expect(later.details).toEqual([{ field: 'expiresAt', messages: [expect.stringContaining(parentExpiry.toISOString())] }]);
      await sut.createKey(caller, createDto(), AUDIT);
      expect(stored()).toMatchObject({ expiresAt: parentExpiry, parentKeyId: 'calling-key' });
    });

    it("defaults a JWT caller's key to the role's scopes, less the two-factor and OAuth-application ones", async () => {
      const userKey = await sut.createKey(jwtCaller('user'), createDto(), AUDIT);
      expect(userKey.scopes).toEqual(ROLE_SCOPES.user.filter((scope) => !scope.endsWith(':mfa') && !scope.endsWith(':applications')));
      expect(userKey.scopes).not.toContain('write:mfa');
      expect(userKey.scopes).not.toContain('write:applications');
      const adminKey = await sut.createKey(jwtCaller('admin'), createDto(), AUDIT);
      expect(adminKey.scopes).toEqual(['admin:all']);
    });

    it("defaults an API-key caller's key to the calling key's scopes, not the role's, as its child", async () => {
      const callerScopes = ['read:keys'];
      const created = await sut.createKey(keyCaller(callerScopes), createDto(), AUDIT);
      expect(created).toMatchObject({ parentKeyId: 'calling-key', scopes: ['read:keys'] });
      expect(stored().scopes).not.toBe(callerScopes);
    });

    it('inherits the binding of a bound minting key', async () => {
      await sut.createKey(keyCaller(['read:keys'], { organizationId: 'org-1', projectId: 'project-1' }), createDto(), AUDIT);
      expect(stored()).toMatchObject({ organizationId: 'org-1', projectId: 'project-1' });
    });
  });

  describe('rate limits and quotas', () => {
    it('refuses an owner a key rate above the ceiling, and lets an admin exceed it', async () => {
      const fast = createDto({ rateLimit: { limit: 1_000_000, windowSeconds: 1 } });
      const error = await rejection(sut.createKey(jwtCaller('user'), fast, AUDIT));
      expect(error.getStatus()).toBe(400);
      expect(error.details?.[0].field).toBe('rateLimit');
      await expect(sut.createKey(jwtCaller('admin'), fast, AUDIT)).resolves.toMatchObject({
        rateLimit: { limit: 1_000_000, windowSeconds: 1 },
      });
    });

    it('stores a quota and reports its usage for the current period', async () => {
      const created = await sut.createKey(jwtCaller(), createDto({ quota: { limit: 500, period: 'day' } }), AUDIT);
      expect(created.quota).toMatchObject({ limit: 500, period: 'day', used: 0, remaining: 500 });
      expect(new Date(created.quota!.resetsAt).getTime()).toBeGreaterThan(NOW);
    });

    it('resolves a rotation policy once, and schedules the first rotation from now', async () => {
      await sut.createKey(jwtCaller(), createDto({ rotationPolicy: { everyDays: 30 } }), AUDIT);
      expect(stored()).toMatchObject({
        rotationPolicy: { everyDays: 30, gracePeriodSeconds: ctx.config.apiKeys.rotationGraceSeconds, notifyDaysBefore: 7 },
        rotationDueAt: new Date(NOW + 30 * 86_400_000),
      });
    });
  });
});
