import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { USER, fail, noContent, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const PASSWORD = 'a-long-enough-password';

function accountApi() {
  let user = { ...USER };
  return (
    signedInApi()
      .on('GET', '/api/auth/me', () => ok(user))
      // Account → Security also shows two-factor's status.
      .on('GET', '/api/auth/mfa', () => ok({ enabled: false, enabledAt: null, pending: false, recoveryCodesLeft: 0, required: false }))
      .on('PATCH', '/api/auth/me', (request) => {
        const change = request.body as { name?: string | null; email?: string; currentPassword?: string };
        if (change.email && change.currentPassword !== PASSWORD)
          return fail(403, 'invalid_credentials', 'The current password is incorrect');
        user = { ...user, ...(change.name !== undefined ? { name: change.name } : {}), ...(change.email ? { email: change.email } : {}) };
        return ok(user);
      })
      .on('POST', '/api/auth/password', (request) => {
        const { currentPassword } = request.body as { currentPassword: string };
        return currentPassword === PASSWORD ? noContent() : fail(403, 'invalid_credentials', 'The current password is incorrect');
      })
      .on('GET', '/api/auth/me/export', () => ({
        status: 200,
        body: { format: 'argus.account-export', version: 1 },
        headers: { 'content-disposition': 'attachment; filename="argus-account-2026-12-02.json"' },
      }))
      .on('DELETE', '/api/auth/me', (request) => {
        const { password } = request.body as { password: string };
        if (password === 'sole-owner-password') {
          return fail(409, 'sole_owner', 'You are the only owner of “Acme”; make another member an owner, or delete it, first');
        }
        return password === PASSWORD ? noContent() : fail(403, 'invalid_credentials', 'The current password is incorrect');
      })
  );
}

afterEach(() => vi.restoreAllMocks());

describe('Account → Security: change password', () => {
  it('changes the password with the current one and says the other sessions ended', async () => {
    const api = accountApi();
    const { user } = renderApp(api, '/account/security');
    await user.type(await screen.findByLabelText('Current password'), PASSWORD);
    await user.type(screen.getByLabelText('New password'), 'a-brand-new-password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(screen.getByText(/Every other session of your account has ended/)).toBeTruthy());
    const sent = api.last('POST', '/api/auth/password');
    expect(sent?.body).toEqual({ currentPassword: PASSWORD, newPassword: 'a-brand-new-password' });
    expect(sent?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    expect(screen.getByLabelText<HTMLInputElement>('Current password').value).toBe('');
  });

  it('says so when the current password is wrong, and stays signed in', async () => {
    const { user } = renderApp(accountApi(), '/account/security');
    await user.type(await screen.findByLabelText('Current password'), 'not-my-password');
    await user.type(screen.getByLabelText('New password'), 'a-brand-new-password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The current password is incorrect.');
    expect(screen.getByRole('heading', { name: 'Security' })).toBeTruthy();
  });

  it('asks for at least 12 characters before sending', async () => {
    const api = accountApi();
    const { user } = renderApp(api, '/account/security');
    await user.type(await screen.findByLabelText('Current password'), PASSWORD);
    await user.type(screen.getByLabelText('New password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(api.last('POST', '/api/auth/password')).toBeUndefined();
    expect(screen.getByLabelText('New password').getAttribute('minlength')).toBe('12');
  });
});

describe('Account → Profile', () => {
  it('shows the email and name, and saves a new name', async () => {
    const api = accountApi();
    const { user } = renderApp(api, '/account/profile');
    await screen.findByRole('heading', { name: 'Profile' });
    expect(screen.getAllByText(USER.email).length).toBeGreaterThan(0);
    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Ada Lovelace');
    expect(screen.queryByLabelText('Current password')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Save profile' }));
    await waitFor(() => expect(screen.getByText('Profile saved.')).toBeTruthy());
    expect(api.last('PATCH', '/api/auth/me')?.body).toEqual({ name: 'Ada Lovelace' });
  });

  it('asks for the current password to change the email, and shows the new one in the header', async () => {
    const api = accountApi();
    const { user } = renderApp(api, '/account/profile');
    const email = await screen.findByLabelText('Email');
    await user.clear(email);
    await user.type(email, 'ada@example.org');
    await user.type(screen.getByLabelText('Current password'), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Save profile' }));
    await waitFor(() => expect(screen.getByText('Profile saved.')).toBeTruthy());
    expect(api.last('PATCH', '/api/auth/me')?.body).toEqual({ name: 'Ada', email: 'ada@example.org', currentPassword: PASSWORD });
    expect(document.querySelector('.account-email')?.textContent).toBe('ada@example.org');
  });
});

describe('Account → Your data', () => {
  it('downloads the export as a file', async () => {
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:argus-export');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('argus-account-2026-12-02.json');
      expect(this.href).toBe('blob:argus-export');
    });
    const { user } = renderApp(accountApi(), '/account/data');
    await user.click(await screen.findByRole('button', { name: 'Export my data' }));
    await waitFor(() => expect(screen.getByText('Your data is downloaded.')).toBeTruthy());
    expect(clicked).toHaveBeenCalledOnce();
    expect(created).toHaveBeenCalledOnce();
  });

  it('deletes the account after the password in the dialog, and returns to Sign in', async () => {
    const api = accountApi();
    const { user } = renderApp(api, '/account/data');
    await user.click(await screen.findByRole('button', { name: 'Delete account' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete your account?' });
    const password = within(dialog).getByLabelText('Password');
    expect(document.activeElement).toBe(password);
    await user.type(password, PASSWORD);
    await user.click(within(dialog).getByRole('button', { name: 'Delete account' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Your account is deleted');
    const sent = api.last('DELETE', '/api/auth/me');
    expect(sent?.body).toEqual({ password: PASSWORD });
    expect(sent?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('keeps the dialog open with the reason when the deletion is refused', async () => {
    const { user } = renderApp(accountApi(), '/account/data');
    await user.click(await screen.findByRole('button', { name: 'Delete account' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete your account?' });
    await user.type(within(dialog).getByLabelText('Password'), 'wrong-password');
    await user.click(within(dialog).getByRole('button', { name: 'Delete account' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('The current password is incorrect.');
    await user.type(within(dialog).getByLabelText('Password'), 'sole-owner-password');
    await user.click(within(dialog).getByRole('button', { name: 'Delete account' }));
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toContain('only owner of “Acme”'));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('navigation', () => {
  it('links Profile, Security and Your data after API Keys', async () => {
    renderApp(accountApi(), '/account/profile');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const labels = within(nav)
      .getAllByRole('link')
      .map((link) => link.textContent);
    expect(labels[0]).toBe('API Keys');
    expect(labels).toEqual(expect.arrayContaining(['Profile', 'Security', 'Your data']));
    expect(within(nav).getByRole('link', { name: 'Profile' }).getAttribute('aria-current')).toBe('page');
  });
});
