import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SESSION, USER, created, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const CHALLENGE = {
  mfaRequired: true,
  mfaToken: 'mfa-token-1',
  mfaTokenExpiresAt: '2026-11-20T10:05:00.000Z',
  methods: ['totp', 'recovery_code'],
};

/** An account with two-factor on: the password answers the challenge, the code step signs in for 246810 or the recovery code. */
function mfaApi() {
  let attemptsLeft = 5;
  return signedInApi({ signedIn: false })
    .on('POST', '/api/auth/sessions', () => ok(CHALLENGE))
    .on('POST', '/api/auth/sessions/mfa', (request) => {
      const { mfaToken, code } = request.body as { mfaToken: string; code: string };
      if (mfaToken !== CHALLENGE.mfaToken || attemptsLeft === 0) return fail(401, 'invalid_token', 'This sign-in has expired');
      if (code === '246810' || code === 'abcde-fghjk')
        return created({ user: { ...USER, mfaEnabled: true }, session: SESSION, csrfToken: 'csrf-mfa' });
      attemptsLeft -= 1;
      return { status: 401, body: { success: false, error: 'Invalid authentication code', code: 'invalid_mfa_code', attemptsLeft } };
    });
}

async function passwordStep(api: ReturnType<typeof mfaApi>) {
  const view = renderApp(api, '/sign-in');
  await view.user.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await view.user.type(screen.getByLabelText('Password'), 'a-long-enough-password');
  await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByRole('heading', { name: 'Two-factor authentication' });
  return view;
}

describe('Sign in with two-factor authentication', () => {
  it('asks for the authentication code after the password, and signs in with it', async () => {
    const api = mfaApi();
    const { user } = await passwordStep(api);
    const field = screen.getByLabelText('Authentication code');
    expect(field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(document.activeElement).toBe(field);
    await user.type(field, '246810');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(window.location.pathname).toBe('/settings/api-keys'));
    expect(api.last('POST', '/api/auth/sessions/mfa')?.body).toEqual({ mfaToken: 'mfa-token-1', code: '246810' });
    // The session's CSRF token comes from the code step.
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(api.last('DELETE', '/api/auth/session')?.headers['X-CSRF-Token']).toBe('csrf-mfa');
  });

  it('says a wrong code is wrong and clears it, staying on the code step', async () => {
    const { user } = await passwordStep(mfaApi());
    await user.type(screen.getByLabelText('Authentication code'), '111111');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe('That code is not right. Try again.');
    expect(screen.getByLabelText<HTMLInputElement>('Authentication code').value).toBe('');
    expect(screen.getByLabelText('Authentication code').getAttribute('aria-invalid')).toBe('true');
  });

  it('signs in with a recovery code instead', async () => {
    const api = mfaApi();
    const { user } = await passwordStep(api);
    await user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcde-fghjk');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(window.location.pathname).toBe('/settings/api-keys'));
    expect(api.last('POST', '/api/auth/sessions/mfa')?.body).toEqual({ mfaToken: 'mfa-token-1', code: 'abcde-fghjk' });
  });

  it('goes back to the password after the last wrong code', async () => {
    const { user } = await passwordStep(mfaApi());
    for (let i = 0; i < 5; i += 1) {
      await user.type(screen.getByLabelText('Authentication code'), '111111');
      await user.click(screen.getByRole('button', { name: 'Verify' }));
      if (i < 4) await waitFor(() => expect(screen.getByRole('button', { name: 'Verify' }).hasAttribute('disabled')).toBe(false));
    }
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('Too many wrong codes. Enter your password again.');
  });

  it('cancels back to the password step', async () => {
    const { user } = await passwordStep(mfaApi());
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });
});
