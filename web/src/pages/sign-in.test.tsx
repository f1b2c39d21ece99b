import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fail, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

describe('Sign in', () => {
  it('sends a signed-out visitor to Sign in, with labelled fields', async () => {
    renderApp(signedInApi({ signedIn: false }), '/settings/api-keys');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByLabelText('Email')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(window.location.pathname).toBe('/sign-in');
  });

  it('says a wrong password is wrong, and clears it', async () => {
    const api = signedInApi({ signedIn: false });
    const { user } = renderApp(api, '/sign-in');
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'not-the-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(api.last('POST', '/api/auth/sessions')?.body).toEqual({ email: 'ada@example.com', password: 'not-the-password' });
  });

  it('signs in, returns to the page asked for, and sends the CSRF token from then on', async () => {
    const api = signedInApi({ signedIn: false });
    const { user } = renderApp(api, '/account/sessions');
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'a-long-enough-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(window.location.pathname).toBe('/account/sessions'));
    expect(await screen.findByRole('link', { name: 'API Keys' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('You are signed out.');
    expect(api.last('DELETE', '/api/auth/session')?.headers['X-CSRF-Token']).toBe('csrf-from-sign-in');
    expect(window.location.pathname).toBe('/sign-in');
  });

  it('comes back to the page whose requests found the session over, even when several failed at once', async () => {
    const api = signedInApi();
    let expired = true;
    const gone = () => (expired ? fail(401, 'unauthorized', 'Session expired') : undefined);
    api.on('GET', '/api/keys/:id', gone).on('GET', '/api/v1/organizations', gone).on('GET', '/api/v1/projects', gone);
    const { user } = renderApp(api, '/settings/api-keys/7d8e9f00-0000-4000-8000-000000000001');
    expect((await screen.findByRole('status')).textContent).toBe('Your session has ended. Sign in again to continue.');
    expect(window.location.pathname).toBe('/sign-in');
    expired = false;
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'a-long-enough-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(window.location.pathname).toBe('/settings/api-keys/7d8e9f00-0000-4000-8000-000000000001'));
  });

  it('after a reload, asks the server for the session CSRF token', async () => {
    const api = signedInApi();
    const { user } = renderApp(api, '/settings/api-keys');
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(api.last('DELETE', '/api/auth/session')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('offers Create account only while registration is open', async () => {
    renderApp(signedInApi({ signedIn: false, registrationOpen: false }), '/sign-in');
    await screen.findByRole('heading', { name: 'Sign in' });
    await waitFor(() => expect(screen.queryByRole('link', { name: 'Create account' })).toBeNull());
  });
});

describe('Create account', () => {
  it('registers, then signs in with the same credentials', async () => {
    const api = signedInApi({ signedIn: false });
    api.on('POST', '/api/auth/register', () => ({ status: 201, body: { success: true, data: {} } }));
    const { user } = renderApp(api, '/sign-in');
    await user.click(await screen.findByRole('link', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'Create account' })).toBeTruthy();
    await user.type(screen.getByLabelText('Email'), 'new@example.com');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toContain('at least 12 characters');
    expect(api.last('POST', '/api/auth/register')).toBeUndefined();

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'a-long-enough-password');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(window.location.pathname).toBe('/settings/api-keys'));
    expect(api.last('POST', '/api/auth/register')?.body).toEqual({ email: 'new@example.com', password: 'a-long-enough-password' });
    expect(api.last('POST', '/api/auth/sessions')?.body).toEqual({ email: 'new@example.com', password: 'a-long-enough-password' });
  });
});
