import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { describeUserAgent } from '../lib/user-agent';
import { SESSION, ok, signedInApi } from '../test-support/fake-api';
import { renderApp } from '../test-support/render-app';

const OTHER = {
  ...SESSION,
  id: '5e0c2f3a-0000-4000-8000-000000000002',
  current: false,
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
};

function sessionsApi() {
  let sessions = [SESSION, OTHER];
  return signedInApi()
    .on('GET', '/api/auth/sessions', () => ok(sessions, { meta: { page: 1, limit: 100, total: sessions.length } }))
    .on('DELETE', '/api/auth/sessions/:id', (_request, params) => {
      sessions = sessions.filter((session) => session.id !== params.id);
      return ok(null);
    })
    .on('DELETE', '/api/auth/sessions', () => {
      sessions = [];
      return ok(null);
    });
}

describe('Sessions', () => {
  it('lists the sessions, marks this browser, and signs another one out', async () => {
    const api = sessionsApi();
    const { user } = renderApp(api, '/account/sessions');
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('Chrome on Linux');
    expect(rows[0].textContent).toContain('This browser');
    expect(rows[1].textContent).toContain('Safari on macOS');
    expect(rows[1].textContent).toContain('203.0.113.7');
    await user.click(within(rows[1]).getByRole('button', { name: /^Sign out Safari on macOS/ }));
    await waitFor(() => expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2));
    expect(api.last('DELETE', `/api/auth/sessions/${OTHER.id}`)?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
  });

  it('signs out everywhere after confirming, and returns to Sign in', async () => {
    const api = sessionsApi();
    const { user } = renderApp(api, '/account/sessions');
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    const dialog = screen.getByRole('dialog', { name: 'Sign out everywhere?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('signed out everywhere');
    expect(api.last('DELETE', '/api/auth/sessions')?.headers['X-CSRF-Token']).toBe('csrf-after-reload');
    expect(window.location.pathname).toBe('/sign-in');
  });
});

describe('describeUserAgent', () => {
  it('names the browser and the system', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      ),
    ).toBe('Edge on Windows');
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe('Firefox on Linux');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(describeUserAgent('curl/8.5.0')).toBe('curl');
    expect(describeUserAgent(null)).toBe('Unknown device');
  });
});
