import { AUDIT, NOW, keyStub, keysTestContext, KeysTestContext, rejection } from '../../test/support/api-keys-unit';
import { KeyAdministration } from './key-administration.service';
import { decodeCursor, encodeCursor } from './key-cursor';
import { UserEntity } from '../users/user.entity';
import type { UserRepository } from '../users/user.repository';

const owner = Object.assign(new UserEntity(), { id: 'user-1', email: 'owner@argus.test', name: 'Owner' });

describe(KeyAdministration.name, () => {
  let ctx: KeysTestContext;
  let sut: KeyAdministration;
  const users = { getByEmail: jest.fn<Promise<UserEntity | null>, [string]>() };

  beforeEach(() => {
    ctx = keysTestContext();
    users.getByEmail.mockReset().mockImplementation(async (email) => (email === owner.email ? owner : null));
    sut = new KeyAdministration(
      ctx.keys,
      ctx.unitOfWork,
      ctx.delegation,
      ctx.mapper,
      ctx.audit,
      ctx.clock,
      users as unknown as UserRepository,
    );
    ctx.keys.getWithOwner.mockImplementation(async (id) => keyStub({ id, owner }));
  });

  describe('listKeys', () => {
    it('passes the filters on, decodes the cursor, and hands back the next one encoded', async () => {
      const cursor = { createdAt: '2026-01-01T00:00:00.123456Z', id: '00000000-0000-4000-8000-000000000001' };
      const next = { createdAt: '2025-12-31T00:00:00.000001Z', id: '00000000-0000-4000-8000-000000000002' };
      ctx.keys.listAll.mockResolvedValue({ rows: [keyStub({ owner })], total: 7, next });
      const page = await sut.listKeys({ userId: 'user-1', status: 'active', cursor: encodeCursor(cursor), skip: 40, limit: 20 });

      expect(ctx.keys.listAll).toHaveBeenCalledWith(
        { userId: 'user-1', search: undefined, status: 'active', isActive: undefined, cursor, skip: 40, take: 20 },
        new Date(NOW),
      );
      expect(page).toMatchObject({
        total: 7,
        nextCursor: encodeCursor(next),
        items: [{ id: 'key-1', owner: { id: 'user-1', email: 'owner@argus.test', name: 'Owner' } }],
      });
      expect(decodeCursor(page.nextCursor!)).toEqual(next);
    });

    it('reads the owner by email (any case) and passes the search on', async () => {
      ctx.keys.listAll.mockResolvedValue({ rows: [keyStub({ owner })], total: 1, next: null });
      await sut.listKeys({ ownerEmail: 'Owner@Argus.test', search: 'deploy', skip: 0, limit: 20 });
      expect(users.getByEmail).toHaveBeenCalledWith('owner@argus.test');
      expect(ctx.keys.listAll).toHaveBeenCalledWith(expect.objectContaining({ userId: 'user-1', search: 'deploy' }), new Date(NOW));
    });

    it.each([
      ['nobody has the email', { ownerEmail: 'nobody@argus.test' }],
      ['the email is another user’s than userId', { ownerEmail: 'owner@argus.test', userId: 'user-2' }],
    ])('answers an empty page, without a key query, when %s', async (_case, filter) => {
      await expect(sut.listKeys({ ...filter, skip: 0, limit: 20 })).resolves.toEqual({ items: [], total: 0, nextCursor: null });
      expect(ctx.keys.listAll).not.toHaveBeenCalled();
    });

    it('ends with a null cursor on the last page', async () => {
      ctx.keys.listAll.mockResolvedValue({ rows: [], total: 0, next: null });
      await expect(sut.listKeys({ skip: 0, limit: 20 })).resolves.toEqual({ items: [], total: 0, nextCursor: null });
    });

    it.each([['not base64url!'], [Buffer.from('2026-01-01|not-a-uuid').toString('base64url')]])(
      'refuses a cursor it did not issue (%s) with 400 validation_failed, before any query',
      async (cursor) => {
        const error = await rejection(sut.listKeys({ cursor, skip: 0, limit: 20 }));
        expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
        expect(ctx.keys.listAll).not.toHaveBeenCalled();
      },
    );
  });

  describe('setKeyActive', () => {
    it('deactivates a key under a row lock, records key.deactivated, and answers the administrators’ view', async () => {
      ctx.keys.lockById.mockResolvedValue(keyStub({ isActive: true }));
      const view = await sut.setKeyActive('key-1', false, AUDIT);

      expect(ctx.keys.lockById).toHaveBeenCalledWith(ctx.tx, 'key-1');
      expect(ctx.keys.setActive).toHaveBeenCalledWith(ctx.tx, 'key-1', false);
      expect(ctx.audit.record).toHaveBeenCalledWith(ctx.manager, AUDIT, {
        action: 'key.deactivated',
        targetType: 'api_key',
        targetId: 'key-1',
        ownerId: 'user-1',
        changes: { isActive: { from: true, to: false } },
      });
      expect(view).toMatchObject({ id: 'key-1', owner: { id: 'user-1', email: 'owner@argus.test', name: 'Owner' } });
    });

    it('writes and records nothing for a key already in that state, and announces it again', async () => {
      ctx.keys.lockById.mockResolvedValue(keyStub({ isActive: true }));
      await sut.setKeyActive('key-1', true, AUDIT);
      expect(ctx.keys.setActive).not.toHaveBeenCalled();
      expect(ctx.audit.record).not.toHaveBeenCalled();
      expect(ctx.tx.changes.ids).toEqual(['key-1']);
    });

    it('answers 404 for an unknown key', async () => {
      ctx.keys.lockById.mockResolvedValue(null);
      await expect(rejection(sut.setKeyActive('key-9', false, AUDIT))).resolves.toMatchObject({ status: 404, code: 'not_found' });
      expect(ctx.keys.getWithOwner).not.toHaveBeenCalled();
    });
  });

  describe('deleteKey', () => {
    it('revokes the descendants before the row goes, then records key.deleted, all in one transaction', async () => {
      ctx.keys.findById.mockResolvedValue(keyStub({ name: 'ci' }));
      ctx.keys.revokeDescendants.mockResolvedValueOnce([{ id: 'child', userId: 'user-2' }]);
      const order: string[] = [];
      ctx.keys.delete.mockImplementation(async () => void order.push('delete'));
      ctx.audit.record.mockImplementation(async (_manager, _audit, event) => void order.push(`${event.action} ${event.targetId}`));
      await sut.deleteKey('key-1', AUDIT);

      expect(ctx.keys.findById).toHaveBeenCalledWith('key-1', ctx.manager);
      expect(ctx.keys.delete).toHaveBeenCalledWith(ctx.tx, 'key-1');
      expect(order).toEqual(['key.revoked child', 'delete', 'key.deleted key-1']);
      expect(ctx.audit.record).toHaveBeenLastCalledWith(ctx.manager, AUDIT, {
        action: 'key.deleted',
        targetType: 'api_key',
        targetId: 'key-1',
        ownerId: 'user-1',
        changes: { name: { from: 'ci', to: null }, ownerId: { from: 'user-1', to: null } },
      });
      expect(ctx.transactions).toBe(1);
    });

    it('answers 404 for an unknown key and deletes nothing', async () => {
      ctx.keys.findById.mockResolvedValue(null);
      await expect(rejection(sut.deleteKey('key-9', AUDIT))).resolves.toMatchObject({ status: 404 });
      expect(ctx.keys.delete).not.toHaveBeenCalled();
      expect(ctx.keys.revokeDescendants).not.toHaveBeenCalled();
    });
  });
});
