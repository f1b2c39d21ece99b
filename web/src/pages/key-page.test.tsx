import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../api/types';
import { initialSelection, toUpdateInput } from '../components/edit-key-form';
import { apiKey, created, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';
import { fakeKey } from '../test-support/keys';

const ID = '7d8e9f00-0000-4000-8000-000000000001';
const SUCCESSOR = '7d8e9f00-0000-4000-8000-000000000009';
const NEW_SECRET = fakeKey('rotated');

function keyApi(overrides: Partial<ApiKey> = {}) {
  let key = apiKey({
    scopes: ['read:keys', 'write:keys', 'delete:keys'],
    allowedIps: ['10.0.0.0/8'],
    rateLimit: { limit: 100, windowSeconds: 60 },
    rotationPolicy: { everyDays: 90, gracePeriodSeconds: 86_400, notifyDaysBefore: 7 },
    rotationDueAt: '2027-02-21T06:28:02.703Z',
    ...overrides,
  });
  const successor = apiKey({ id: SUCCESSOR, name: key.name, keyPrefix: 'argus_NE' });
  const api = signedInApi()
    .on('GET', '/api/keys/:id', (_request, params) =>
      params.id === ID ? ok(key) : params.id === SUCCESSOR ? ok(successor) : fail(404, 'not_found', 'API key not found'),
    )
    .on('GET', '/api/keys/:id/events', () =>
      ok(
        [
          {
            id: 'e1',
            occurredAt: '2026-11-23T06:28:02.703Z',
            action: 'key.created',
            actorType: 'user',
            actorId: '0b6f8a4e-1f7e-4a55-9a53-3f1f5f0f0001',
            actorKeyId: null,
            targetType: 'api_key',
            targetId: ID,
            ip: '127.0.0.1',
            userAgent: null,
            requestId: 'r',
            changes: null,
          },
        ],
        { meta: { page: 1, limit: 50, total: 1 } },
      ),
    )
    .on('PATCH', '/api/keys/:id', (request) => {
      key = {
        ...key,
        ...(request.body as Partial<ApiKey>),
        status: (request.body as { isActive?: boolean }).isActive === false ? 'inactive' : key.status,
      };
      return ok(key);
    })
    .on('POST', '/api/keys/:id/rotate', () =>
      created({ ...successor, key: NEW_SECRET, previousKey: { id: ID, expiresAt: '2026-12-02T06:28:02.703Z' } }),
    )
    .on('POST', '/api/keys/:id/reveal', () => ok({ ...key, revealPending: false, key: NEW_SECRET }))
    .on('DELETE', '/api/keys/:id', () => {
      key = { ...key, status: 'revoked', revokedAt: '2026-12-01T00:00:00.000Z' };
      return ok(key);
    });
  return api;
}

describe('a key’s page', () => {
  it('shows the details and the key’s events', async () => {
    renderApp(keyApi(), `/settings/api-keys/${ID}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'CI deploy bot' })).toBeTruthy();
    const details = screen.getByRole('region', { name: 'Details' });
    for (const text of [
      'argus_A3…',
      'read:keys',
      'write:keys',
      '100 requests per 1 minute',
      '10.0.0.0/8',
      'Every 90 days',
      'None: everything its owner can reach',
    ]) {
      expect(details.textContent).toContain(text);
    }
    const events = await screen.findByRole('region', { name: 'Events' });
    await waitFor(() => expect(within(events).getByText('key.created')).toBeTruthy());
    expect(events.textContent).toContain('You');
  });

  it('edits the name and narrows the scopes, sending only what changed', async () => {
    const api = keyApi();
    const { user } = renderApp(api, `/settings/api-keys/${ID}`);
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('region', { name: 'Edit “CI deploy bot”' });
    expect(document.activeElement).toBe(within(form).getByLabelText('Name'));
    // Only the key's own scopes can be ticked: narrowing only.
    expect(within(form).queryByRole('checkbox', { name: 'read:projects' })).toBeNull();
    await user.clear(within(form).getByLabelText('Name'));
    await user.type(within(form).getByLabelText('Name'), 'CI (read only)');
    await user.click(within(form).getByRole('checkbox', { name: 'write:keys' }));
    await user.click(within(form).getByRole('checkbox', { name: 'delete:keys' }));
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: /^Edit/ })).toBeNull());
    expect(api.last('PATCH', `/api/keys/${ID}`)?.body).toEqual({ name: 'CI (read only)', scopes: ['read:keys'] });
    expect(await screen.findByRole('heading', { level: 1, name: 'CI (read only)' })).toBeTruthy();
  });

  it('rotates with the chosen grace period, shows the new key once, then opens the successor', async () => {
    const api = keyApi();
    const { user } = renderApp(api, `/settings/api-keys/${ID}`);
    await user.click(await screen.findByRole('button', { name: 'Rotate' }));
    const dialog = screen.getByRole('dialog', { name: 'Rotate “CI deploy bot”?' });
    await user.selectOptions(within(dialog).getByLabelText('Grace period for the old key'), '1 hour');
    await user.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    expect(await screen.findByRole('heading', { name: 'Key rotated: save the new key' })).toBeTruthy();
    expect(api.last('POST', `/api/keys/${ID}/rotate`)?.body).toEqual({ gracePeriodSeconds: 3600 });
    expect(screen.getByLabelText<HTMLInputElement>('API key “CI deploy bot”').value).toBe(NEW_SECRET);
    expect(screen.getByText(/works until/).textContent).toContain('argus_A3…');
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(window.location.pathname).toBe(`/settings/api-keys/${SUCCESSOR}`));
    await screen.findByRole('region', { name: 'Details' });
    expect(document.body.innerHTML).not.toContain(NEW_SECRET);
  });

  it('reveals a key the scheduler issued, once', async () => {
    const api = keyApi({ revealPending: true });
    const { user } = renderApp(api, `/settings/api-keys/${ID}`);
    await user.click(await screen.findByRole('button', { name: 'Reveal new key' }));
    expect(await screen.findByRole('heading', { name: 'The scheduled key, shown once' })).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('API key “CI deploy bot”').value).toBe(NEW_SECRET);
    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(document.body.innerHTML).not.toContain(NEW_SECRET);
    expect(screen.queryByRole('button', { name: 'Reveal new key' })).toBeNull();
  });

  it('revokes from its page through the dialog, and then offers nothing more', async () => {
    const api = keyApi();
    const { user } = renderApp(api, `/settings/api-keys/${ID}`);
    await user.click(await screen.findByRole('button', { name: 'Revoke' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke “CI deploy bot”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(screen.getByRole('region', { name: 'Details' }).textContent).toContain('revoked'));
    for (const name of ['Edit', 'Rotate', 'Revoke', 'Deactivate']) expect(screen.queryByRole('button', { name })).toBeNull();
  });

  it('deactivates and says a missing key is missing', async () => {
    const api = keyApi();
    const { user } = renderApp(api, `/settings/api-keys/${ID}`);
    await user.click(await screen.findByRole('button', { name: 'Deactivate' }));
    expect(api.last('PATCH', `/api/keys/${ID}`)?.body).toEqual({ isActive: false });
    expect(await screen.findByRole('button', { name: 'Reactivate' })).toBeTruthy();

    renderApp(keyApi(), '/settings/api-keys/5d8e9f00-0000-4000-8000-00000000dead');
    expect(await screen.findByRole('heading', { name: 'Key not found' })).toBeTruthy();
  });
});

describe('toUpdateInput', () => {
  const key = apiKey({
    scopes: ['read:*'],
    allowedIps: null,
    rotationPolicy: { everyDays: 30, gracePeriodSeconds: 3600, notifyDaysBefore: 7 },
  });
  const unchanged = {
    name: key.name,
    scopes: initialSelection(key.scopes),
    allowedIps: '',
    everyDays: '30',
    graceHours: '1',
    notifyDays: '7',
  };

  it('sends nothing when nothing changed, wildcards included', () => {
    expect(initialSelection(['read:*']).has('read:webhooks')).toBe(true);
    expect(toUpdateInput(key, unchanged)).toEqual({});
  });

  it('spells a narrowed wildcard out, sets and clears the allowlist and the policy', () => {
    const scopes = initialSelection(key.scopes);
    scopes.delete('read:users');
    expect(toUpdateInput(key, { ...unchanged, scopes, allowedIps: '10.0.0.1', everyDays: '' })).toEqual({
      scopes: ['read:applications', 'read:keys', 'read:mfa', 'read:organizations', 'read:projects', 'read:sessions', 'read:webhooks'],
      allowedIps: ['10.0.0.1'],
      rotationPolicy: null,
    });
    expect(toUpdateInput({ ...key, allowedIps: ['10.0.0.1'] }, { ...unchanged, everyDays: '60' })).toEqual({
      allowedIps: null,
      rotationPolicy: { everyDays: 60, gracePeriodSeconds: 3600, notifyDaysBefore: 7 },
    });
  });
});
