import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delivery, Webhook } from '../api/webhooks';
import { WEBHOOK_EVENTS } from '../lib/webhook-events';
import { created, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const HOOK_ID = '9b0c0000-0000-4000-8000-000000000001';
const AT = '2026-11-25T09:00:00.000Z';
// Built at run time, like the tests' keys: shaped like a secret, never one.
const SECRET = `whsec_${'t'.repeat(43)}=`;

function hook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: HOOK_ID,
    url: 'https://hooks.example.com/argus',
    events: ['key.created', 'key.revoked'],
    isActive: true,
    consecutiveFailures: 0,
    failingSince: null,
    nextProbeAt: null,
    disabledAt: null,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: '9b0c0000-0000-4000-8000-0000000000d1',
    messageId: '9b0c0000-0000-4000-8000-0000000000e1',
    eventType: 'key.created',
    status: 'failed',
    attempts: 15,
    nextAttemptAt: null,
    lastStatusCode: 503,
    lastError: 'HTTP 503',
    deliveredAt: null,
    payload: {},
    createdAt: AT,
    ...overrides,
  };
}

function webhooksApi(initial: Webhook[] = [hook()]) {
  const hooks = [...initial];
  const deliveries: Delivery[] = [delivery()];
  const api = signedInApi()
    .on('GET', '/api/webhooks', () => ok(hooks, { meta: { page: 1, limit: 50, total: hooks.length } }))
    .on('POST', '/api/webhooks', (request) => {
      const body = request.body as { url: string; events: string[] };
      if (body.url.includes('intranet')) {
        return {
          status: 400,
          body: {
            success: false,
            error: 'Validation failed',
            code: 'validation_failed',
            details: [{ field: 'url', messages: ['url must resolve to a public address'] }],
          },
        };
      }
      const made = hook({ id: '9b0c0000-0000-4000-8000-000000000002', ...body });
      hooks.unshift(made);
      return created({ ...made, secret: SECRET });
    })
    .on('GET', '/api/webhooks/:id', (_r, params) => {
      const found = hooks.find((candidate) => candidate.id === params.id);
      return found ? ok(found) : fail(404, 'not_found', 'Webhook not found');
    })
    .on('PATCH', '/api/webhooks/:id', (request, params) => {
      const found = hooks.find((candidate) => candidate.id === params.id)!;
      Object.assign(found, request.body);
      return ok(found);
    })
    .on('DELETE', '/api/webhooks/:id', (_r, params) => {
      hooks.splice(
        hooks.findIndex((candidate) => candidate.id === params.id),
        1,
      );
      return ok(null);
    })
    .on('GET', '/api/webhooks/:id/deliveries', () => ok(deliveries, { meta: { page: 1, limit: 20, total: deliveries.length } }))
    .on('POST', '/api/webhooks/:id/test', () => {
      const test = delivery({
        id: '9b0c0000-0000-4000-8000-0000000000d2',
        eventType: 'webhook.test',
        status: 'pending',
        attempts: 0,
        lastStatusCode: null,
        lastError: null,
        nextAttemptAt: AT,
      });
      deliveries.unshift(test);
      // The dispatcher answers a moment later.
      setTimeout(() => Object.assign(test, { status: 'succeeded', attempts: 1, lastStatusCode: 204, nextAttemptAt: null }), 50);
      return { status: 202, body: { success: true, data: { ...test }, message: 'Test event queued' } };
    })
    .on('POST', '/api/webhooks/:id/deliveries/:deliveryId/redeliver', (_r, params) => {
      const found = deliveries.find((candidate) => candidate.id === params.deliveryId)!;
      Object.assign(found, { status: 'pending', attempts: 0, nextAttemptAt: AT });
      setTimeout(
        () => Object.assign(found, { status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null }),
        50,
      );
      return { status: 202, body: { success: true, data: { ...found } } };
    })
    .on('POST', '/api/webhooks/:id/deliveries/redeliver', () => {
      const failed = deliveries.filter((candidate) => candidate.status === 'failed');
      for (const one of failed) Object.assign(one, { status: 'pending', attempts: 0, nextAttemptAt: AT });
      return { status: 202, body: { success: true, data: { requeued: failed.length } } };
    });
  return { api, hooks, deliveries };
}

describe('Webhooks', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });

  it('lists url, events, status and created', async () => {
    const { api } = webhooksApi([hook(), hook({ id: '9b0c0000-0000-4000-8000-000000000003', isActive: false, disabledAt: AT })]);
    renderApp(api, '/webhooks');
    const table = await screen.findByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['URL', 'Events', 'Status', 'Created']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[0]).getByRole('link', { name: 'https://hooks.example.com/argus' }).getAttribute('href')).toBe(
      `/webhooks/${HOOK_ID}`,
    );
    expect(rows[0].textContent).toContain('key.created');
    expect(rows[0].textContent).toContain('Healthy');
    expect(rows[1].textContent).toContain('Disabled after failures');
    expect(screen.getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current')).toBe('page');
  });

  it('creates an endpoint with events from the catalogue, and shows the secret once with Copy', async () => {
    const { api } = webhooksApi([]);
    const { user } = renderApp(api, '/webhooks');
    await user.click(await screen.findByRole('button', { name: 'Create webhook' }));
    const events = screen.getByRole('group', { name: 'Events' });
    expect(within(events).getAllByRole('checkbox')).toHaveLength(WEBHOOK_EVENTS.length);
    expect(within(events).queryByText('webhook.test')).toBeNull();

    await user.type(screen.getByLabelText('Endpoint URL'), 'https://hooks.example.com/new');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose at least one event.');

    await user.clear(screen.getByLabelText('Endpoint URL'));
    await user.type(screen.getByLabelText('Endpoint URL'), 'http://intranet.example/hook');
    await user.click(within(events).getByRole('checkbox', { name: /key\.revoked/ }));
    await user.click(within(events).getByRole('checkbox', { name: /key\.created/ }));
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('url must resolve to a public address'));

    await user.clear(screen.getByLabelText('Endpoint URL'));
    await user.type(screen.getByLabelText('Endpoint URL'), 'https://hooks.example.com/new');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const secret = await screen.findByLabelText('Signing secret for https://hooks.example.com/new');
    expect((secret as HTMLInputElement).value).toBe(SECRET);
    expect(screen.getByText(/cannot be shown again/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    // In the catalogue's order, not the order ticked.
    expect(api.last('POST', '/api/webhooks')?.body).toEqual({
      url: 'https://hooks.example.com/new',
      events: ['key.created', 'key.revoked'],
    });

    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByDisplayValue(SECRET)).toBeNull();
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain(SECRET);
    expect(await screen.findByRole('link', { name: 'https://hooks.example.com/new' })).toBeTruthy();
  });
});

describe('Webhook page', () => {
  it('shows details and deliveries with event, status, response code, attempts, time and next attempt', async () => {
    const { api } = webhooksApi();
    renderApp(api, `/webhooks/${HOOK_ID}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Webhook endpoint' })).toBeTruthy();
    const deliveries = screen.getByRole('region', { name: 'Deliveries' });
    const table = await within(deliveries).findByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Event', 'Status', 'Response code', 'Attempts', 'Time', 'Next attempt', 'Actions']);
    const [row] = within(table).getAllByRole('row').slice(1);
    expect(row.textContent).toContain('key.created');
    expect(row.textContent).toContain('failed');
    expect(row.textContent).toContain('503');
    expect(row.textContent).toContain('15');
  });

  it('sends a test event and shows the new delivery with its response code', async () => {
    const { api } = webhooksApi();
    const { user } = renderApp(api, `/webhooks/${HOOK_ID}`);
    await user.click(await screen.findByRole('button', { name: 'Send test event' }));
    const deliveries = screen.getByRole('region', { name: 'Deliveries' });
    await waitFor(() => expect(within(deliveries).getAllByRole('row')[1].textContent).toContain('webhook.test'));
    await waitFor(() => expect(within(deliveries).getAllByRole('row')[1].textContent).toContain('204'), { timeout: 4000 });
    expect(within(deliveries).getAllByRole('row')[1].textContent).toContain('succeeded');
    await waitFor(() =>
      expect(screen.getAllByRole('status').some((status) => status.textContent === 'webhook.test delivered: response 204.')).toBe(true),
    );
    expect(api.last('POST', `/api/webhooks/${HOOK_ID}/test`)?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('redelivers one failed delivery, and all failed ones', async () => {
    const { api, deliveries: stored } = webhooksApi();
    const { user } = renderApp(api, `/webhooks/${HOOK_ID}`);
    const deliveries = await screen.findByRole('region', { name: 'Deliveries' });
    await user.click(await within(deliveries).findByRole('button', { name: /^Redeliver key\.created of / }));
    await waitFor(() => expect(within(deliveries).getAllByRole('row')[1].textContent).toContain('succeeded'), { timeout: 4000 });
    expect(api.last('POST', `/api/webhooks/${HOOK_ID}/deliveries/${stored[0].id}/redeliver`)).toBeDefined();

    stored[0].status = 'failed';
    await user.click(within(deliveries).getByRole('button', { name: 'Refresh' }));
    await user.click(await within(deliveries).findByRole('button', { name: 'Redeliver failed' }));
    await waitFor(() =>
      expect(screen.getAllByRole('status').some((status) => status.textContent === '1 failed delivery queued again.')).toBe(true),
    );
  });

  it('edits, disables and enables, and deletes after a dialog naming the URL', async () => {
    const { api } = webhooksApi();
    const { user } = renderApp(api, `/webhooks/${HOOK_ID}`);
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const url = screen.getByLabelText('Endpoint URL');
    await user.clear(url);
    await user.type(url, 'https://hooks.example.com/v2');
    await user.click(screen.getByRole('checkbox', { name: /key\.rotated/ }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('region', { name: 'Details' }).textContent).toContain('https://hooks.example.com/v2'));
    expect(api.last('PATCH', `/api/webhooks/${HOOK_ID}`)?.body).toEqual({
      url: 'https://hooks.example.com/v2',
      events: ['key.created', 'key.rotated', 'key.revoked'],
    });

    await user.click(screen.getByRole('button', { name: 'Disable' }));
    expect(await screen.findByRole('button', { name: 'Enable' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send test event' })).toBeNull();
    expect(screen.getByRole('region', { name: 'Details' }).textContent).toContain('Paused');
    await user.click(screen.getByRole('button', { name: 'Enable' }));
    expect(await screen.findByRole('button', { name: 'Send test event' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the webhook to https://hooks.example.com/v2?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete webhook' }));
    expect(await screen.findByText(/No webhook endpoints yet/)).toBeTruthy();
    expect(window.location.pathname).toBe('/webhooks');
  });

  it('says when the endpoint is not found', async () => {
    const { api } = webhooksApi();
    renderApp(api, '/webhooks/9b0c0000-0000-4000-8000-00000000dead');
    expect(await screen.findByRole('heading', { name: 'Webhook not found' })).toBeTruthy();
  });
});
