import type { DataSource } from 'typeorm';
import { automock } from '../../../test/support/automock';
import { apiKey, userJwt } from '../../../test/support/controller-setup';
import { FakeAuditRecorder, FakeTransactions } from '../../../test/support/unit-fakes';
import type { AuditContext } from '../../events/audit-context';
import type { AuditRecorder } from '../../events/audit-recorder';
import { PasswordService } from '../../users/password.service';
import { UserAccessService } from '../../users/user-access.service';
import { UserEntity } from '../../users/user.entity';
import { UserRepository } from '../../users/user.repository';
import { LoginThrottleService } from '../login-throttle.service';
import { SessionsService } from '../sessions/sessions.service';
import { AccountSecurityService } from './account-security.service';

const NOW = Date.parse('2026-12-02T04:00:00.000Z');
const AUDIT: AuditContext = { actorType: 'user', actorId: 'u1', actorKeyId: null, ip: '127.0.0.1', userAgent: null, requestId: 'r1' };
const CLIENT = { ip: '127.0.0.1', deviceTokens: [] };

function setup() {
  const transactions = new FakeTransactions();
  const audit = new FakeAuditRecorder(transactions);
  const users = automock(UserRepository);
  const passwords = automock(PasswordService);
  const throttle = automock(LoginThrottleService);
  const sessions = automock(SessionsService);
  const userAccess = automock(UserAccessService);
  const clock = { now: () => NOW, date: () => new Date(NOW) };
  const stored = { id: 'u1', email: 'ada@example.com', name: 'Ada', passwordHash: 'hash' } as UserEntity;
  users.getByIdWithPassword.mockResolvedValue(stored);
  passwords.verify.mockImplementation(async (_hash, password) => password === 'the-right-password');
  passwords.hash.mockResolvedValue('new-hash');
  const sut = new AccountSecurityService(
    transactions as unknown as DataSource,
    users,
    passwords,
    throttle,
    sessions,
    userAccess,
    audit as unknown as AuditRecorder,
    clock,
  );
  return { sut, users, passwords, throttle, sessions, userAccess, audit, transactions };
}

describe(AccountSecurityService.name, () => {
  const session = userJwt({ userId: 'u1', method: 'session', sessionId: 's-current' });

  it('refuses an API key before reading anything', async () => {
    const { sut, users } = setup();
    const key = apiKey(['admin:all'], { userId: 'u1' });
    const change = { currentPassword: 'the-right-password', newPassword: 'a-brand-new-password' };
    await expect(sut.changePassword(key, change, CLIENT, AUDIT)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(sut.updateProfile(key, { name: 'x' }, CLIENT, AUDIT)).rejects.toMatchObject({ status: 403 });
    await expect(sut.confirmPassword(key, 'the-right-password', CLIENT)).rejects.toMatchObject({ status: 403 });
    expect(users.getByIdWithPassword).not.toHaveBeenCalled();
  });

  it('checks the password under the login limits, and a wrong one is 403 invalid_credentials with nothing changed', async () => {
    const { sut, throttle, users, sessions, audit } = setup();
    await expect(
      sut.changePassword(session, { currentPassword: 'a-wrong-password', newPassword: 'a-brand-new-password' }, CLIENT, AUDIT),
    ).rejects.toMatchObject({ status: 403, code: 'invalid_credentials' });
    expect(throttle.admit).toHaveBeenCalledWith('ada@example.com', 'u1', CLIENT);
    expect(users.setPassword).not.toHaveBeenCalled();
    expect(sessions.revokeAllBut).not.toHaveBeenCalled();
    expect(audit.actions).toEqual([]);
  });

  it('refuses the current password as the new one (400) before checking it', async () => {
    const { sut, throttle } = setup();
    const same = { currentPassword: 'the-right-password', newPassword: 'the-right-password' };
    await expect(sut.changePassword(session, same, CLIENT, AUDIT)).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    expect(throttle.admit).not.toHaveBeenCalled();
  });

  it('changes it in one transaction: the new hash and its time, every other session and refresh token, the event; then the cache', async () => {
    const { sut, users, sessions, userAccess, audit, transactions } = setup();
    await sut.changePassword(session, { currentPassword: 'the-right-password', newPassword: 'a-brand-new-password' }, CLIENT, AUDIT);
    expect(users.setPassword).toHaveBeenCalledWith('u1', 'new-hash', new Date(NOW), transactions.transactional);
    expect(sessions.revokeAllBut).toHaveBeenCalledWith(transactions.transactional, 'u1', 's-current', AUDIT);
    expect(audit.calls.map((call) => [call.event.action, call.inTransaction])).toEqual([['user.password_changed', true]]);
    expect(userAccess.invalidate).toHaveBeenCalledWith('u1');
  });

  it('asks for the current password to change the email, not to change the name', async () => {
    const { sut, users, throttle } = setup();
    users.getByIdOrFail.mockResolvedValue({ id: 'u1', email: 'ada@example.com', name: 'Ada' } as UserEntity);
    await expect(sut.updateProfile(session, { email: 'ada@example.org' }, CLIENT, AUDIT)).rejects.toMatchObject({
      status: 400,
      details: [{ field: 'currentPassword', messages: ['currentPassword is required to change email'] }],
    });
    users.getForUpdate.mockResolvedValue({ id: 'u1', email: 'ada@example.com', name: 'Ada' } as UserEntity);
    users.save.mockImplementation(async (user) => ({ ...user, createdAt: new Date(NOW), updatedAt: new Date(NOW) }));
    await expect(sut.updateProfile(session, { name: 'Ada L.' }, CLIENT, AUDIT)).resolves.toMatchObject({ name: 'Ada L.' });
    expect(throttle.admit).not.toHaveBeenCalled();
  });
});
