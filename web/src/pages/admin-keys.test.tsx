import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AdminApiKey } from '../api/types';
import { ADMIN, USER, apiKey, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const owner = { id: USER.id, email: USER.email, name: USER.name };
const other = { id: ADMIN.id, email: ADMIN.email, name: ADMIN.name };

function keysApi() {
  const keys: AdminApiKey[] = [
    { ...apiKey(), userId: owner.id, owner },
    { ...apiKey({ id: '7d8e9f00-0000-4000-8000-000000000002', name: 'nightly export', keyPrefix: 'argus_Nx' }), userId: owner.id, owner },
    { ...apiKey({ id: '7d8e9f00-0000-4000-8000-000000000003', name: 'root tool', keyPrefix: 'argus_Rt' }), userId: other.id, owner: other },
  ];
  return signedInApi({ me: ADMIN })
    .on('GET', '/api/admin/api-keys', (request) => {
      const email = request.query.get('ownerEmail');
      const search = request.query.get('search')?.toLowerCase();
      const status = request.query.get('status');
      const found = keys.filter(
        (key) =>
          (!email || key.owner.email === email.toLowerCase()) &&
          (!search || key.name.toLowerCase().includes(search) || key.keyPrefix.toLowerCase().includes(search)) &&
          (!status || key.status === status),
      );
      return ok(found, { meta: { page: 1, limit: 20, total: found.length, nextCursor: null } });
    })
    .on('PUT', '/api/admin/api-keys/:id', (request, params) => {
      const key = keys.find((candidate) => candidate.id === params.id)!;
      const { isActive } = request.body as { isActive: boolean };
      Object.assign(key, { isActive, status: isActive ? 'active' : 'inactive' });
      return ok(key);
    })
    .on('DELETE', '/api/admin/api-keys/:id', (_request, params) => {
      keys.splice(
        keys.findIndex((candidate) => candidate.id === params.id),
        1,
      );
      return ok(null, { message: 'API key deleted' });
    });
}

const rows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1);

describe('Admin → All keys', () => {
  it('finds a user’s keys by their email and deactivates one, then activates it again', async () => {
    const api = keysApi();
    const { user } = renderApp(api, '/admin/keys');
    await screen.findByRole('table');
    expect(rows()).toHaveLength(3);
    await user.type(screen.getByLabelText('Owner email'), USER.email);
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(api.last('GET', '/api/admin/api-keys')?.query.get('ownerEmail')).toBe(USER.email);
    expect(rows()[0].textContent).toContain(USER.email);

    await user.click(screen.getByRole('button', { name: `Deactivate CI deploy bot of ${USER.email}` }));
    await waitFor(() => expect(rows()[0].textContent).toContain('inactive'));
    expect(api.last('PUT', `/api/admin/api-keys/${apiKey().id}`)?.body).toEqual({ isActive: false });
    expect(api.last('PUT', `/api/admin/api-keys/${apiKey().id}`)?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    expect(screen.getByRole('status').textContent).toBe(`“CI deploy bot” of ${USER.email} is deactivated.`);
    await user.click(screen.getByRole('button', { name: `Activate CI deploy bot of ${USER.email}` }));
    await waitFor(() => expect(api.last('PUT', `/api/admin/api-keys/${apiKey().id}`)?.body).toEqual({ isActive: true }));
  });

  it('starts from the owner in the address (the Users page’s Keys link), and filters by name or prefix and status', async () => {
    const api = keysApi();
    const { user } = renderApp(api, `/admin/keys?ownerEmail=${encodeURIComponent(ADMIN.email)}`);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.getByLabelText<HTMLInputElement>('Owner email').value).toBe(ADMIN.email);
    await user.clear(screen.getByLabelText('Owner email'));
    await user.type(screen.getByLabelText('Name or prefix'), 'argus_n');
    await user.selectOptions(screen.getByLabelText('Status'), 'active');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0].textContent).toContain('nightly export');
    const query = api.last('GET', '/api/admin/api-keys')!.query;
    expect([query.get('ownerEmail'), query.get('search'), query.get('status')]).toEqual([null, 'argus_n', 'active']);
  });

  it('deletes a key after a dialog that names it and its owner', async () => {
    const api = keysApi();
    const { user } = renderApp(api, '/admin/keys');
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: `Delete nightly export of ${USER.email}` }));
    const dialog = screen.getByRole('dialog', { name: 'Delete “nightly export”?' });
    expect(dialog.textContent).toContain('argus_Nx…');
    expect(dialog.textContent).toContain(USER.email);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.last('DELETE', '/api/admin/api-keys/7d8e9f00-0000-4000-8000-000000000002')).toBeUndefined();
    await user.click(screen.getByRole('button', { name: `Delete nightly export of ${USER.email}` }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.queryByText('nightly export')).toBeNull();
  });
});
