import { createHash } from 'node:crypto';
import {
  AUDIT,
  NOW,
  config,
  jwtCaller,
  keyCaller,
  keyStub,
  keysTestContext,
  KeysTestContext,
  rejection,
} from '../../test/support/api-keys-unit';
import { SecretBox } from '../core/crypto/secret-box';
import { ApiKeyEntity } from './entities/api-key.entity';
import { KeyLifecycleService } from './key-lifecycle.service';

const GRACE_MS = config.apiKeys.rotationGraceSeconds * 1000;

describe(KeyLifecycleService.name, () => {
  let ctx: KeysTestContext;
  let sut: KeyLifecycleService;

  beforeEach(() => {
    ctx = keysTestContext();
    sut = new KeyLifecycleService(
      ctx.keys,
      ctx.unitOfWork,
      ctx.manageable,
      ctx.delegation,
      ctx.rotation,
      ctx.mapper,
      ctx.audit,
      ctx.clock,
      ctx.config.apiKeys,
    );
  });

  const owned = (overrides: Partial<ApiKeyEntity> = {}): ApiKeyEntity => {
    const key = keyStub(overrides);
    ctx.keys.lockInBoundary.mockResolvedValue(key);
    return key;
  };

  const events = () => ctx.audit.record.mock.calls.map(([manager, audit, event]) => ({ manager, audit, event }));

  describe('revokeKey', () => {
    it('revokes the key it locked inside the caller’s boundary, and clears its schedule and sealed successor', async () => {
      const key = owned({ rotationDueAt: new Date(NOW + 1000), sealedKey: 'sealed' });
      const revoked = await sut.revokeKey(jwtCaller(), key.id, AUDIT);

      expect(ctx.keys.lockInBoundary).toHaveBeenCalledWith(ctx.tx, { userId: 'user-1' }, key.id);
      expect(ctx.keys.save).toHaveBeenCalledTimes(1);
      expect(ctx.keys.save).toHaveBeenCalledWith(
        ctx.tx,
        expect.objectContaining({ id: key.id, revokedAt: new Date(NOW), rotationDueAt: null, sealedKey: null, revealPending: false }),
      );
      expect(revoked).toMatchObject({ id: key.id, status: 'revoked', revokedAt: new Date(NOW).toISOString(), revealPending: false });
      expect(events()).toEqual([
        {
          manager: ctx.manager,
          audit: AUDIT,
          event: {
            action: 'key.revoked',
            targetType: 'api_key',
            targetId: key.id,
            ownerId: 'user-1',
            changes: { revokedAt: { from: null, to: new Date(NOW) } },
          },
        },
      ]);
    });

    it('is idempotent: a second revoke keeps the first time, records nothing, and announces the key again', async () => {
      const key = owned({ revokedAt: new Date(NOW - 60_000) });
      const again = await sut.revokeKey(jwtCaller(), key.id, AUDIT);

      expect(again).toMatchObject({ status: 'revoked', revokedAt: new Date(NOW - 60_000).toISOString() });
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.keys.revokeDescendants).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
      expect(ctx.tx.changes.ids).toEqual([key.id]);
    });

    it('revokes the descendants round after round until none is left, each with its own event', async () => {
      const key = owned();
      ctx.keys.revokeDescendants
        .mockResolvedValueOnce([
          { id: 'child', userId: 'user-1' },
          { id: 'grandchild', userId: 'user-2' },
        ])
        // A child minted from a descendant while the first round waited for its share lock.
        .mockResolvedValueOnce([{ id: 'late-child', userId: 'user-1' }]);
      await sut.revokeKey(jwtCaller(), key.id, AUDIT);

      expect(ctx.keys.revokeDescendants.mock.calls).toEqual([
        [ctx.tx, key.id, new Date(NOW)],
        [ctx.tx, key.id, new Date(NOW)],
        [ctx.tx, key.id, new Date(NOW)],
      ]);
      expect(events().map(({ event }) => [event.targetId, event.ownerId, event.changes])).toEqual([
        [key.id, 'user-1', { revokedAt: { from: null, to: new Date(NOW) } }],
        ['child', 'user-1', { revokedAt: { from: null, to: new Date(NOW) }, revokedWithParent: { from: null, to: key.id } }],
        ['grandchild', 'user-2', { revokedAt: { from: null, to: new Date(NOW) }, revokedWithParent: { from: null, to: key.id } }],
        ['late-child', 'user-1', { revokedAt: { from: null, to: new Date(NOW) }, revokedWithParent: { from: null, to: key.id } }],
      ]);
    });

    it("answers 404 not_found for a key outside the caller's boundary and touches nothing", async () => {
      ctx.keys.lockInBoundary.mockResolvedValue(null);
      const error = await rejection(sut.revokeKey(jwtCaller(), 'key-9', AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(error.code).toBe('not_found');
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it('reaches any key of an organisation on its route, whoever owns it', async () => {
      owned({ userId: 'someone-else', organizationId: 'org-1' });
      await sut.revoke(jwtCaller(), 'key-1', AUDIT, 'org-1');
      expect(ctx.keys.lockInBoundary).toHaveBeenCalledWith(ctx.tx, { organizationId: 'org-1' }, 'key-1');
    });
  });

  describe('which keys an API key may act on', () => {
    it('refuses a key wider than the caller with 403 insufficient_scope naming the rest', async () => {
      owned({ id: 'wide', scopes: ['read:keys', 'write:keys', 'delete:keys'] });
      const error = await rejection(sut.revokeKey(keyCaller(['read:keys', 'write:keys']), 'wide', AUDIT));
      expect(error).toMatchObject({ status: 403, code: 'insufficient_scope' });
      expect(error.message).toContain('delete:keys');
      expect(ctx.keys.save).not.toHaveBeenCalled();
    });

    it("keeps a delegated key inside its own subtree: 403 forbidden where its lineage doesn't reach the target", async () => {
      owned({ id: 'sibling', scopes: ['read:keys'] });
      ctx.keys.lineage.mockResolvedValue({ delegated: true, reached: false });
      const error = await rejection(sut.revokeKey(keyCaller(['read:keys', 'write:keys']), 'sibling', AUDIT));
      expect(error).toMatchObject({ status: 403, code: 'forbidden' });
      expect(ctx.keys.lineage).toHaveBeenCalledWith(ctx.manager, 'calling-key', 'sibling', 1000);

      ctx.keys.lineage.mockResolvedValue({ delegated: true, reached: true });
      await expect(sut.revokeKey(keyCaller(['read:keys', 'write:keys']), 'sibling', AUDIT)).resolves.toMatchObject({ status: 'revoked' });
    });

    it('lets a key its user minted act on any key no wider than itself, and itself without a lineage walk', async () => {
      owned({ id: 'other', scopes: ['read:keys'] });
      ctx.keys.lineage.mockResolvedValue({ delegated: false, reached: false });
      await expect(sut.revokeKey(keyCaller(['read:keys']), 'other', AUDIT)).resolves.toMatchObject({ status: 'revoked' });
      ctx.keys.lineage.mockClear();
      owned({ id: 'calling-key', scopes: ['read:keys'] });
      await sut.revokeKey(keyCaller(['read:keys']), 'calling-key', AUDIT);
      expect(ctx.keys.lineage).not.toHaveBeenCalled();
    });
  });

  describe('rotateKey', () => {
    it('issues a successor, moves the children to it, ends the old key after the grace period, and records key.rotated', async () => {
      const old = owned({ scopes: ['read:keys'], rateLimit: { limit: 10, windowSeconds: 60 }, parentKeyId: 'parent' });
      const rotated = await sut.rotateKey(jwtCaller(), old.id, {}, AUDIT);

      expect(rotated.key).toMatch(/^argus_[0-9A-Za-z]{43}$/);
      expect(rotated).toMatchObject({
        name: old.name,
        scopes: ['read:keys'],
        rateLimit: { limit: 10, windowSeconds: 60 },
        status: 'active',
      });
      expect(rotated.previousKey).toEqual({ id: old.id, expiresAt: new Date(NOW + GRACE_MS).toISOString() });
      const hash = createHash('sha256').update(rotated.key).digest('hex');
      expect(ctx.keys.insert).toHaveBeenCalledWith(
        ctx.tx,
        expect.objectContaining({ keyHash: hash, parentKeyId: 'parent', userId: 'user-1', sealedKey: null }),
      );
      expect(ctx.keys.reparentChildren).toHaveBeenCalledWith(ctx.manager, old.id, rotated.id);
      expect(ctx.keys.save).toHaveBeenCalledWith(
        ctx.tx,
        expect.objectContaining({ id: old.id, rotatedAt: new Date(NOW), replacedById: rotated.id, expiresAt: new Date(NOW + GRACE_MS) }),
      );

      expect(events()).toEqual([
        {
          manager: ctx.manager,
          audit: AUDIT,
          event: expect.objectContaining({
            action: 'key.rotated',
            targetId: old.id,
            changes: { replacedById: { from: null, to: rotated.id }, expiresAt: { from: null, to: new Date(NOW + GRACE_MS) } },
          }),
        },
      ]);
      const recorded = JSON.stringify(ctx.audit.record.mock.calls);
      expect(recorded).not.toContain(rotated.key);
      expect(recorded).not.toContain(hash);
      expect(recorded).not.toContain(old.keyHash);
    });

    it('keeps an earlier expiry of the old key, and records no expiry change', async () => {
      const expiresAt = new Date(NOW + 3_600_000);
      const old = owned({ expiresAt });
      const rotated = await sut.rotateKey(jwtCaller(), old.id, { gracePeriodSeconds: 86_400 }, AUDIT);

      expect(rotated.previousKey).toEqual({ id: old.id, expiresAt: expiresAt.toISOString() });
      expect(events().map(({ event }) => event.changes)).toEqual([{ replacedById: { from: null, to: rotated.id } }]);
    });

    it('refuses a grace period above the configured maximum before touching anything', async () => {
      const error = await rejection(
        sut.rotateKey(jwtCaller(), 'key-1', { gracePeriodSeconds: config.apiKeys.rotationMaxGraceSeconds + 1 }, AUDIT),
      );
      expect(error.code).toBe('validation_failed');
      expect(ctx.unitOfWork.run).not.toHaveBeenCalled();
    });

    it.each([
      ['a revoked', { revokedAt: new Date(NOW - 1000) }],
      ['an already rotated', { rotatedAt: new Date(NOW - 1000), replacedById: 'key-9' }],
    ])('refuses %s key with 409 conflict, storing and recording nothing', async (_label, state: Partial<ApiKeyEntity>) => {
      const old = owned(state);
      const error = await rejection(sut.rotateKey(jwtCaller(), old.id, {}, AUDIT));
      expect(error.getStatus()).toBe(409);
      expect(error.code).toBe('conflict');
      expect(ctx.keys.insert).not.toHaveBeenCalled();
      expect(ctx.keys.save).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });

    it("answers 404 not_found for a key outside the caller's boundary, recording nothing", async () => {
      ctx.keys.lockInBoundary.mockResolvedValue(null);
      const error = await rejection(sut.rotateKey(jwtCaller(), 'key-9', {}, AUDIT));
      expect(error.getStatus()).toBe(404);
      expect(ctx.keys.insert).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });
  });

  describe('revealKey', () => {
    const box = new SecretBox(config.jwt.secret, 'sealed-api-keys');

    it('hands over the sealed successor once: the sealed copy is cleared in the same transaction', async () => {
      const key = keyStub({ id: 'successor', sealedKey: box.seal('argus_plaintext') });
      ctx.keys.lockSealedInBoundary.mockResolvedValue(key);
      ctx.keys.findById.mockResolvedValue(keyStub({ id: 'successor' }));
      const revealed = await sut.revealKey(jwtCaller(), 'successor', AUDIT);

      expect(revealed).toMatchObject({ id: 'successor', key: 'argus_plaintext' });
      expect(ctx.keys.lockSealedInBoundary).toHaveBeenCalledWith(ctx.tx, { userId: 'user-1' }, 'successor');
      expect(ctx.keys.clearSealedKey).toHaveBeenCalledWith(ctx.manager, 'successor');
      expect(events().map(({ event }) => event)).toEqual([
        {
          action: 'key.revealed',
          targetType: 'api_key',
          targetId: 'successor',
          ownerId: 'user-1',
          changes: { revealPending: { from: true, to: false } },
        },
      ]);
      expect(JSON.stringify(ctx.audit.record.mock.calls)).not.toContain('argus_plaintext');
    });

    it('answers 404 for a key with nothing sealed, and 409 for a copy it cannot open', async () => {
      ctx.keys.lockSealedInBoundary.mockResolvedValue(keyStub({ sealedKey: null }));
      await expect(rejection(sut.revealKey(jwtCaller(), 'key-1', AUDIT))).resolves.toMatchObject({ status: 404 });
      ctx.keys.lockSealedInBoundary.mockResolvedValue(keyStub({ sealedKey: new SecretBox('another secret').seal('argus_x') }));
      await expect(rejection(sut.revealKey(jwtCaller(), 'key-1', AUDIT))).resolves.toMatchObject({ status: 409 });
      expect(ctx.audit.record).not.toHaveBeenCalled();
    });
  });
});
