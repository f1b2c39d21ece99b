import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { USER, signedInApi } from '../test-support/fake-api';
import { BOB_ID, CAROL_ID, ORG_ID, withOrganization } from '../test-support/organizations';
import { renderApp } from '../test-support/render-app';

describe('Organizations', () => {
  it('lists name and your role, shows your user ID, and creates one, opening its page', async () => {
    const api = signedInApi();
    withOrganization(api, 'admin');
    const { user } = renderApp(api, '/organizations');
    const table = await screen.findByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Name', 'Your role', 'Created']);
    const [row] = within(table).getAllByRole('row').slice(1);
    expect(within(row).getByRole('link', { name: 'Acme' }).getAttribute('href')).toBe(`/organizations/${ORG_ID}`);
    expect(row.textContent).toContain('Admin');
    expect(screen.getByText(USER.id)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Organizations' }).getAttribute('aria-current')).toBe('page');

    await user.click(screen.getByRole('button', { name: 'Create organization' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'Globex');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Globex' })).toBeTruthy();
    expect(window.location.pathname).toBe(`/organizations/${ORG_ID}`);
    expect(api.last('POST', '/api/v1/organizations')?.body).toEqual({ name: 'Globex' });
    expect(api.last('POST', '/api/v1/organizations')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('says so when you are in none', async () => {
    renderApp(signedInApi(), '/organizations');
    expect(await screen.findByText(/not in any organisation yet/)).toBeTruthy();
  });
});

describe('Organization page', () => {
  it('renames, for owners and admins', async () => {
    const api = signedInApi();
    withOrganization(api, 'admin');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    await user.click(await screen.findByRole('button', { name: 'Rename' }));
    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Acme Ltd');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme Ltd' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull(); // owners only
  });

  it('deletes after a dialog that names it, and returns to the list', async () => {
    const api = signedInApi();
    withOrganization(api, 'owner');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete “Acme”?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Delete organization' }));
    expect(await screen.findByText(/not in any organisation yet/)).toBeTruthy();
    expect(window.location.pathname).toBe('/organizations');
    expect(api.last('DELETE', `/api/v1/organizations/${ORG_ID}`)).toBeDefined();
  });

  it('adds a member by user ID with a role, changes a role, and removes one after confirming', async () => {
    const api = signedInApi();
    withOrganization(api, 'owner');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    const members = await screen.findByRole('region', { name: 'Members' });
    await waitFor(() => expect(within(members).getAllByRole('row')).toHaveLength(3));

    await user.type(within(members).getByLabelText('User ID'), '4a1c0000-0000-4000-8000-000000000999');
    await user.click(within(members).getByRole('button', { name: 'Add member' }));
    expect((await within(members).findByRole('alert')).textContent).toBe('User not found');

    await user.clear(within(members).getByLabelText('User ID'));
    await user.type(within(members).getByLabelText('User ID'), CAROL_ID);
    await user.selectOptions(within(members).getByLabelText('Role'), 'admin');
    await user.click(within(members).getByRole('button', { name: 'Add member' }));
    await waitFor(() => expect(within(members).getAllByRole('row')).toHaveLength(4));
    expect(api.last('POST', `/api/v1/organizations/${ORG_ID}/members`)?.body).toEqual({ userId: CAROL_ID, role: 'admin' });
    expect(screen.getAllByRole('status').some((status) => status.textContent === 'carol@example.com was added as admin.')).toBe(true);

    await user.selectOptions(within(members).getByLabelText('Role of bob@example.com'), 'admin');
    await waitFor(() => expect(api.last('PATCH', `/api/v1/organizations/${ORG_ID}/members/${BOB_ID}`)?.body).toEqual({ role: 'admin' }));

    await user.click(within(members).getByRole('button', { name: 'Remove bob@example.com' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove bob@example.com?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    await waitFor(() => expect(within(members).getAllByRole('row')).toHaveLength(3));
    // Your own row has no role select or Remove: you leave instead.
    expect(within(members).queryByLabelText(`Role of ${USER.email}`)).toBeNull();
  });

  it('offers an admin no owner role, and a member no management at all', async () => {
    const api = signedInApi();
    withOrganization(api, 'admin');
    const { unmount } = renderApp(api, `/organizations/${ORG_ID}`);
    const members = await screen.findByRole('region', { name: 'Members' });
    const options = within(within(members).getByLabelText('Role')).getAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual(['Admin', 'Member']);
    unmount();

    const memberApi = signedInApi();
    withOrganization(memberApi, 'member');
    renderApp(memberApi, `/organizations/${ORG_ID}`);
    const region = await screen.findByRole('region', { name: 'Members' });
    await waitFor(() => expect(within(region).getAllByRole('row')).toHaveLength(3));
    expect(within(region).queryByLabelText('User ID')).toBeNull();
    expect(within(region).queryByRole('button', { name: /^Remove/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Rename' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create project' })).toBeNull();
    // A member sees their own keys bound here, from /api/keys.
    const keys = await screen.findByRole('region', { name: 'Your keys in this organisation' });
    expect(await within(keys).findByRole('link', { name: 'my org key' })).toBeTruthy();
  });

  it('shows the error when the last owner tries to leave', async () => {
    const api = signedInApi();
    withOrganization(api, 'owner');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    await user.click(await screen.findByRole('button', { name: 'Leave' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave “Acme”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Leave organization' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('The last owner cannot leave the organization');
  });

  it('creates, renames and deletes projects', async () => {
    const api = signedInApi();
    withOrganization(api, 'admin');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    const projects = await screen.findByRole('region', { name: 'Projects' });
    await within(projects).findByText('billing-api');

    await user.type(within(projects).getByLabelText('Project name'), 'billing-api');
    await user.click(within(projects).getByRole('button', { name: 'Create project' }));
    expect((await within(projects).findByRole('alert')).textContent).toBe('A project with this name already exists');
    await user.clear(within(projects).getByLabelText('Project name'));
    await user.type(within(projects).getByLabelText('Project name'), 'search');
    await user.type(within(projects).getByLabelText('Description (optional)'), 'The search API');
    await user.click(within(projects).getByRole('button', { name: 'Create project' }));
    expect(await within(projects).findByText('search')).toBeTruthy();
    expect(api.last('POST', '/api/v1/projects')?.body).toEqual({ organizationId: ORG_ID, name: 'search', description: 'The search API' });

    await user.click(within(projects).getByRole('button', { name: 'Rename search' }));
    const rename = screen.getByRole('dialog', { name: 'Rename project “search”' });
    const field = within(rename).getByLabelText('Project name');
    expect(document.activeElement).toBe(field);
    await user.clear(field);
    await user.type(field, 'search-v2{Enter}');
    expect(await within(projects).findByText('search-v2')).toBeTruthy();

    await user.click(within(projects).getByRole('button', { name: 'Delete search-v2' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete project “search-v2”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete project' }));
    await waitFor(() => expect(within(projects).queryByText('search-v2')).toBeNull());
  });

  it('lists the organisation’s keys with their owners for admins, links your own, and revokes after confirming', async () => {
    const api = signedInApi();
    withOrganization(api, 'admin');
    const { user } = renderApp(api, `/organizations/${ORG_ID}`);
    const keys = await screen.findByRole('region', { name: 'Keys in this organisation' });
    const rows = (await within(keys).findAllByRole('row')).slice(1);
    expect(rows[0].textContent).toContain('bob@example.com');
    expect(within(rows[0]).queryByRole('link')).toBeNull();
    expect(within(rows[1]).getByRole('link', { name: 'my org key' }).getAttribute('href')).toBe(
      '/settings/api-keys/7d8e9f00-0000-4000-8000-0000000000a2',
    );
    await user.click(within(rows[0]).getByRole('button', { name: 'Revoke bob deploy' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke “bob deploy”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(within(keys).getAllByRole('row')[1].textContent).toContain('revoked'));
    expect(api.last('DELETE', `/api/v1/organizations/${ORG_ID}/keys/7d8e9f00-0000-4000-8000-0000000000b1`)).toBeDefined();
  });

  it('says when the organisation is not found', async () => {
    renderApp(signedInApi(), '/organizations/4a1c0000-0000-4000-8000-00000000dead');
    expect(await screen.findByRole('heading', { name: 'Organization not found' })).toBeTruthy();
  });
});
