import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiKey, created, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';
import { fakeKey } from '../test-support/keys';

const SECRET = fakeKey('created');

function keysApi() {
  const keys = [
    apiKey(),
    apiKey({
      id: '7d8e9f00-0000-4000-8000-000000000002',
      name: 'old export',
      keyPrefix: 'argus_Zz',
      status: 'revoked',
      revokedAt: '2026-11-24T00:00:00.000Z',
    }),
  ];
  const api = signedInApi();
  api
    .on('GET', '/api/keys', () => ok(keys, { meta: { page: 1, limit: 20, total: keys.length } }))
    .on('POST', '/api/keys', (request) => {
      const body = request.body as { name: string; scopes: string[] };
      const key = apiKey({
        id: '7d8e9f00-0000-4000-8000-000000000003',
        name: body.name,
        scopes: body.scopes,
        keyPrefix: SECRET.slice(0, 8),
      });
      keys.unshift(key);
      return created({ ...key, key: SECRET });
    })
    .on('DELETE', '/api/keys/:id', (_request, params) => {
      const key = keys.find((candidate) => candidate.id === params.id)!;
      Object.assign(key, { status: 'revoked', revokedAt: '2026-12-01T00:00:00.000Z' });
      return ok(key, { message: 'API key revoked' });
    });
  return api;
}

describe('API Keys', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });

  it('lists name, prefix, scopes, status, created, last used and expires, with Revoke on live keys', async () => {
    renderApp(keysApi(), '/settings/api-keys');
    const table = await screen.findByRole('table');
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((header) => header.textContent);
    expect(headers).toEqual(['Name', 'Prefix', 'Scopes', 'Status', 'Created', 'Last used', 'Expires', 'Actions']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[0]).getByRole('link', { name: 'CI deploy bot' }).getAttribute('href')).toBe(
      '/settings/api-keys/7d8e9f00-0000-4000-8000-000000000001',
    );
    expect(rows[0].textContent).toContain('argus_A3…');
    expect(rows[0].textContent).toContain('read:keys');
    expect(rows[0].textContent).toContain('Never');
    expect(within(rows[0]).getByRole('button', { name: 'Revoke CI deploy bot' })).toBeTruthy();
    expect(within(rows[1]).queryByRole('button')).toBeNull();
    expect(rows[1].textContent).toContain('revoked');
  });

  it('creates a key, shows it once with Copy, the warning and snippets, and forgets it after Done', async () => {
    vi.stubGlobal('isSecureContext', true);
    const api = keysApi();
    const { user } = renderApp(api, '/settings/api-keys');

    await user.click(await screen.findByRole('button', { name: 'Create API Key' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'deploy');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose at least one scope for the key.');
    expect(api.last('POST', '/api/keys')).toBeUndefined();

    await user.click(screen.getByRole('checkbox', { name: 'read:keys' }));
    await user.click(screen.getByRole('checkbox', { name: 'write:keys' }));
    // Not the user role's to give: no checkbox at all.
    expect(screen.queryByRole('checkbox', { name: 'admin:users' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Create' }));

    const heading = await screen.findByRole('heading', { name: 'API key created' });
    expect(document.activeElement).toBe(heading);
    expect(api.last('POST', '/api/keys')?.body).toEqual({ name: 'deploy', scopes: ['read:keys', 'write:keys'] });
    expect(api.last('POST', '/api/keys')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    expect(screen.getByText(/cannot be shown again/).textContent).toContain('Copy this key now');
    expect(screen.getByLabelText<HTMLInputElement>('API key “deploy”').value).toBe(SECRET);

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    // user-event's clipboard stands in for the browser's.
    expect(await navigator.clipboard.readText()).toBe(SECRET);
    expect(await screen.findByText('Copied to the clipboard')).toBeTruthy();

    const origin = window.location.origin;
    for (const [tab, fragment] of [
      ['curl', `curl -s ${origin}/api/auth/verify`],
      ['Python (requests)', 'import requests'],
      ['Node.js (fetch)', `await fetch('${origin}/api/auth/verify'`],
      ['Shell', `export ARGUS_API_KEY='${SECRET}'`],
    ]) {
      await user.click(screen.getByRole('tab', { name: tab }));
      const panel = screen.getByRole('tabpanel');
      expect(panel.textContent).toContain(fragment);
      expect(panel.textContent).toContain(SECRET);
    }

    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(JSON.stringify({ ...localStorage })).not.toContain(SECRET);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(SECRET);
    expect(window.location.href).not.toContain(SECRET);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Create API Key' })));
    expect(screen.getByRole('link', { name: 'deploy' })).toBeTruthy();
  });

  it('moves between snippets with the arrow keys', async () => {
    const { user } = renderApp(keysApi(), '/settings/api-keys');
    await user.click(await screen.findByRole('button', { name: 'Create API Key' }));
    await user.type(screen.getByLabelText('Name'), 'k');
    await user.click(screen.getByRole('checkbox', { name: 'read:keys' }));
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await user.click(await screen.findByRole('tab', { name: 'curl' }));
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Python (requests)' }));
    expect(screen.getByRole('tab', { name: 'Python (requests)' }).getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByRole('tab', { name: 'Shell' }).getAttribute('aria-selected')).toBe('true');
  });

  it('revokes only from the dialog that names the key, and Cancel changes nothing', async () => {
    const api = keysApi();
    const { user } = renderApp(api, '/settings/api-keys');
    const opener = await screen.findByRole('button', { name: 'Revoke CI deploy bot' });
    await user.click(opener);
    let dialog = screen.getByRole('dialog', { name: 'Revoke “CI deploy bot”?' });
    expect(dialog.textContent).toContain('argus_A3…');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.last('DELETE', '/api/keys/7d8e9f00-0000-4000-8000-000000000001')).toBeUndefined();
    expect(document.activeElement).toBe(opener);

    await user.click(opener);
    dialog = screen.getByRole('dialog', { name: 'Revoke “CI deploy bot”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.last('DELETE', '/api/keys/7d8e9f00-0000-4000-8000-000000000001')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    expect(screen.getByRole('status', { name: '' }).textContent).toBe('“CI deploy bot” was revoked.');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Revoke CI deploy bot' })).toBeNull());
  });
});
