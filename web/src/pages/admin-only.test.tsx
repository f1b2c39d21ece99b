import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ADMIN, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

describe('the administrators’ pages', () => {
  it.each(['/admin/users', '/admin/keys', '/admin/audit'])('are denied to a user at %s, without asking the admin API', async (path) => {
    const api = signedInApi();
    renderApp(api, path);
    expect(await screen.findByRole('heading', { level: 1, name: 'Access denied' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('for administrators');
    expect(screen.getByRole('link', { name: 'Go to your API keys' })).toBeTruthy();
    expect(api.requests.filter((request) => request.path.startsWith('/api/admin'))).toEqual([]);
  });

  it('are in the navigation for an admin only', async () => {
    renderApp(signedInApi(), '/settings/api-keys');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['API Keys', 'Organizations', 'Webhooks', 'Sessions', 'Profile', 'Security', 'Your data']);
  });

  it('show Users, All keys and Audit log to an admin, after API Keys', async () => {
    renderApp(signedInApi({ me: ADMIN }), '/settings/api-keys');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['API Keys', 'Organizations', 'Webhooks', 'Sessions', 'Profile', 'Security', 'Your data', 'Users', 'All keys', 'Audit log']);
  });
});
