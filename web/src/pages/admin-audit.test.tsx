import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../api/types';
import { describeChanges, toAuditFilter } from '../lib/audit-filter';
import { ADMIN, USER, fail, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const KEY_ID = '7d8e9f00-0000-4000-8000-000000000001';
const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
  id: 'e0',
  occurredAt: '2026-11-30T10:00:00.000Z',
  action: 'key.created',
  actorType: 'user',
  actorId: USER.id,
  actorKeyId: null,
  targetType: 'api_key',
  targetId: KEY_ID,
  ip: '203.0.113.7',
  userAgent: null,
  requestId: 'r',
  changes: null,
  ...overrides,
});

function auditApi() {
  const events = [
    event({ id: 'e2', action: 'key.deactivated', actorId: ADMIN.id, changes: { isActive: { from: true, to: false } } }),
    event({ id: 'e1' }),
  ];
  return signedInApi({ me: ADMIN })
    .on('GET', '/api/admin/users', (request) =>
      ok(request.query.get('search') === USER.email ? [USER] : [], { meta: { page: 1, limit: 100, total: 1 } }),
    )
    .on('GET', '/api/admin/audit-events', (request) => {
      const actorId = request.query.get('actorId');
      const action = request.query.get('action');
      if (action && !action.includes('.')) return fail(400, 'validation_failed', 'action must be one of the following values');
      const found = events.filter((candidate) => (!actorId || candidate.actorId === actorId) && (!action || candidate.action === action));
      return ok(found, { meta: { page: Number(request.query.get('page')), limit: 50, total: found.length } });
    });
}

const rows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1);

describe('Admin → Audit log', () => {
  it('lists events newest first, with actor, target, IP and changes', async () => {
    renderApp(auditApi(), '/admin/audit');
    await screen.findByRole('table');
    expect(
      within(screen.getByRole('table'))
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Time', 'Action', 'Actor', 'Target', 'IP address', 'Changes']);
    expect(rows()[0].textContent).toContain('key.deactivated');
    expect(rows()[0].textContent).toContain('isActive: true → false');
    expect(rows()[0].textContent).toContain(ADMIN.id);
    expect(rows()[1].textContent).toContain('203.0.113.7');
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/api/admin/audit-events?format=csv');
  });

  it('filters by actor email (looked up), action and dates, and the CSV link carries the same filters', async () => {
    const api = auditApi();
    const { user } = renderApp(api, '/admin/audit');
    await screen.findByRole('table');
    await user.type(screen.getByLabelText('Actor'), USER.email.toUpperCase());
    await user.type(screen.getByLabelText('Action'), 'key.created');
    await user.type(screen.getByLabelText('From'), '2026-11-01');
    await user.type(screen.getByLabelText('To (inclusive)'), '2026-11-30');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    const query = api.last('GET', '/api/admin/audit-events')!.query;
    expect(query.get('actorId')).toBe(USER.id);
    expect(query.get('action')).toBe('key.created');
    expect(query.get('from')).toBe(new Date('2026-11-01T00:00:00').toISOString());
    expect(query.get('to')).toBe(new Date('2026-12-01T00:00:00').toISOString());
    const csv = new URL(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')!, 'http://argus.test');
    expect(csv.pathname).toBe('/api/admin/audit-events');
    expect(Object.fromEntries(csv.searchParams)).toEqual({
      format: 'csv',
      actorId: USER.id,
      action: 'key.created',
      from: query.get('from'),
      to: query.get('to'),
    });
  });

  it('says so when no user has the actor email, and shows the API’s refusal of a bad filter', async () => {
    const { user } = renderApp(auditApi(), '/admin/audit');
    await screen.findByRole('table');
    await user.type(screen.getByLabelText('Actor'), 'nobody@example.com');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect((await screen.findByRole('alert')).textContent).toBe('No user has the email nobody@example.com.');
    await user.clear(screen.getByLabelText('Actor'));
    await user.type(screen.getByLabelText('Action'), 'nonsense');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('action must be one of'));
  });

  it('starts from the actor in the address (the Users page’s Activity link)', async () => {
    const api = auditApi();
    renderApp(api, `/admin/audit?actor=${encodeURIComponent(USER.email)}`);
    await waitFor(() => expect(api.last('GET', '/api/admin/audit-events')?.query.get('actorId')).toBe(USER.id));
    expect(screen.getByLabelText<HTMLInputElement>('Actor').value).toBe(USER.email);
  });
});

describe('audit filter helpers', () => {
  it('leaves out empty fields and takes an id as typed', () => {
    expect(toAuditFilter({ actor: '', action: ' ', targetId: '', from: '', to: '' }, undefined)).toEqual({
      actorId: undefined,
      action: undefined,
      targetId: undefined,
      from: undefined,
      to: undefined,
    });
    expect(describeChanges({ role: { from: 'user', to: 'admin' }, name: { from: 'a', to: null } })).toBe(
      'role: "user" → "admin"; name: "a" → null',
    );
    expect(describeChanges(null)).toBe('');
  });
});
