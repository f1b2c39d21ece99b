import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { User } from '../api/types';
import { ADMIN, USER, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const GRACE: User = {
  ...USER,
  id: '0b6f8a4e-1f7e-4a55-9a53-3f1f5f0f0002',
  email: 'grace@example.com',
  name: 'Grace',
  mfaEnabled: true,
};

function usersApi(options: { lastAdmin?: boolean } = {}) {
  const users: User[] = [{ ...ADMIN }, { ...USER }, { ...GRACE }];
  return signedInApi({ me: ADMIN })
    .on('GET', '/api/admin/users', (request) => {
      const search = request.query.get('search')?.toLowerCase();
      const role = request.query.get('role');
      const page = Number(request.query.get('page') ?? 1);
      const limit = Number(request.query.get('limit') ?? 20);
      const found = users.filter(
        (user) => (!search || user.email.includes(search) || user.name?.toLowerCase().includes(search)) && (!role || user.role === role),
      );
      return ok(found.slice((page - 1) * limit, page * limit), { meta: { page, limit, total: found.length } });
    })
    .on('PATCH', '/api/admin/users/:id', (request, params) => {
      const user = users.find((candidate) => candidate.id === params.id)!;
      const change = request.body as Partial<User>;
      if (options.lastAdmin && user.role === 'admin' && change.role === 'user') {
        return fail(409, 'conflict', 'This is the last active admin; promote another admin first');
      }
      Object.assign(user, change);
      return ok(user);
    })
    .on('DELETE', '/api/admin/users/:id/mfa', (_request, params) => {
      users.find((candidate) => candidate.id === params.id)!.mfaEnabled = false;
      return { status: 204, body: null };
    });
}

const row = async (email: string) => (await screen.findByRole('cell', { name: new RegExp(`^${email}`) })).closest('tr')!;

describe('Admin → Users', () => {
  it('lists email, name, role, status and created, and searches by email or name', async () => {
    const api = usersApi();
    const { user } = renderApp(api, '/admin/users');
    const table = await screen.findByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Email', 'Name', 'Role', 'Status', 'Created', 'Actions']);
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect((await row(ADMIN.email)).textContent).toContain('You');
    await user.type(screen.getByLabelText('Search'), '  grace ');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(api.last('GET', '/api/admin/users')?.query.get('search')).toBe('grace');
    expect(window.location.search).toBe('?search=grace');
    expect(
      within(await row(GRACE.email))
        .getByRole('link', { name: `Keys of ${GRACE.email}` })
        .getAttribute('href'),
    ).toBe('/admin/keys?ownerEmail=grace%40example.com');
  });

  it('changes a role with the row’s select and Save', async () => {
    const api = usersApi();
    const { user } = renderApp(api, '/admin/users');
    const ada = await row(USER.email);
    expect(within(ada).queryByRole('button', { name: /^Save/ })).toBeNull();
    await user.selectOptions(within(ada).getByRole('combobox', { name: `Role of ${USER.email}` }), 'admin');
    await user.click(within(ada).getByRole('button', { name: `Save role of ${USER.email}` }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`${USER.email} is now an admin.`));
    expect(api.last('PATCH', `/api/admin/users/${USER.id}`)?.body).toEqual({ role: 'admin' });
    expect(api.last('PATCH', `/api/admin/users/${USER.id}`)?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('asks before an admin demotes themselves, and shows the API’s refusal', async () => {
    const api = usersApi({ lastAdmin: true });
    const { user } = renderApp(api, '/admin/users');
    const me = await row(ADMIN.email);
    await user.selectOptions(within(me).getByRole('combobox', { name: `Role of ${ADMIN.email}` }), 'user');
    await user.click(within(me).getByRole('button', { name: `Save role of ${ADMIN.email}` }));
    const dialog = screen.getByRole('dialog', { name: 'Remove your own admin role?' });
    expect(api.last('PATCH', `/api/admin/users/${ADMIN.id}`)).toBeUndefined();
    await user.click(within(dialog).getByRole('button', { name: 'Remove my admin role' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('last active admin');
    expect(api.last('PATCH', `/api/admin/users/${ADMIN.id}`)?.body).toEqual({ role: 'user' });
  });

  it('deactivates a user after a confirm dialog naming them, and activates them again', async () => {
    const api = usersApi();
    const { user } = renderApp(api, '/admin/users');
    await user.click(within(await row(USER.email)).getByRole('button', { name: `Deactivate ${USER.email}` }));
    const dialog = screen.getByRole('dialog', { name: `Deactivate ${USER.email}?` });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Deactivate' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.last('PATCH', `/api/admin/users/${USER.id}`)?.body).toEqual({ isActive: false });
    expect((await row(USER.email)).textContent).toContain('inactive');

    await user.click(within(await row(USER.email)).getByRole('button', { name: `Activate ${USER.email}` }));
    await user.click(within(screen.getByRole('dialog', { name: `Activate ${USER.email}?` })).getByRole('button', { name: 'Activate' }));
    await waitFor(() => expect(api.last('PATCH', `/api/admin/users/${USER.id}`)?.body).toEqual({ isActive: true }));
  });

  it('offers Reset two-factor only where two-factor is on, and calls DELETE …/mfa after confirming', async () => {
    const api = usersApi();
    const { user } = renderApp(api, '/admin/users');
    expect(within(await row(USER.email)).queryByRole('button', { name: /Reset two-factor/ })).toBeNull();
    await user.click(within(await row(GRACE.email)).getByRole('button', { name: `Reset two-factor of ${GRACE.email}` }));
    const dialog = screen.getByRole('dialog', { name: `Reset two-factor for ${GRACE.email}?` });
    await user.click(within(dialog).getByRole('button', { name: 'Reset two-factor' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.last('DELETE', `/api/admin/users/${GRACE.id}/mfa`)?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    await waitFor(async () => expect(within(await row(GRACE.email)).queryByRole('button', { name: /Reset two-factor/ })).toBeNull());
  });
});
