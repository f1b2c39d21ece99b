/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, and are typed as such.)
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, signIn, startDashboard } from '../support/dashboard';
import { PASSWORD, Session } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/** Sign in, create account, sign out, CSRF and session expiry, in Chromium against the whole app. */
describeWithChromium('the dashboard session in a browser', () => {
  let dashboard: Dashboard;
  let ada: Session;
  const pages: WatchedPage[] = [];

  const open = async (origin?: string) => {
    const watched = await openPage(dashboard, origin);
    pages.push(watched);
    return watched;
  };

  beforeAll(async () => {
    dashboard = await startDashboard();
    ada = await dashboard.app.newUser('ada');
  }, 180_000);
  afterEach(async () => {
    for (const watched of pages.splice(0)) {
      expect(watched.foreign).toEqual([]);
      expect(watched.errors).toEqual([]);
      await watched.context.close();
    }
  });
  afterAll(() => dashboard?.close());

  it('refuses a wrong password, then signs in to the API Keys page with its link in the navigation', async () => {
    const { page } = await open();
    const response = await page.goto(`${dashboard.origin}/`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(page.url()).toBe(`${dashboard.origin}/sign-in`);

    await signIn(page, ada.email, 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(page.url()).toBe(`${dashboard.origin}/sign-in`);

    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    expect(page.url()).toBe(`${dashboard.origin}/settings/api-keys`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'API Keys' }).getAttribute('aria-current')).toBe('page');
    // Plain http on a non-local name: the cookie without the __Host- prefix, httpOnly, never readable by the page.
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'argus_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    expect(await page.evaluate(() => document.cookie)).not.toContain('argus_session');
  });

  it('uses the __Host- cookie on 127.0.0.1, and signs out', async () => {
    const { page } = await open(dashboard.localOrigin);
    await page.goto(`${dashboard.localOrigin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === '__Host-argus_session')).toMatchObject({ httpOnly: true, secure: true, path: '/' });

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    expect(page.url()).toBe(`${dashboard.localOrigin}/sign-in`);
    await page.goto(`${dashboard.localOrigin}/settings/api-keys`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('creates an account and lands signed in on the API Keys page', async () => {
    const { page } = await open();
    await page.goto(`${dashboard.origin}/sign-in`);
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create account' }).waitFor();
    const email = `grace-${Date.now()}@example.com`;
    await page.getByLabel('Name').fill('Grace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await page.getByText('No API keys yet.').waitFor();
    expect(await page.getByText(email).count()).toBe(1);
  });

  it('refuses a state-changing request made with the cookie but without X-CSRF-Token: 403 csrf_invalid', async () => {
    const { page } = await open();
    await page.goto(`${dashboard.origin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();

    const attempt = (withToken: boolean) =>
      page.evaluate(async (send) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (send) {
          const csrf = await (await fetch('/api/auth/csrf', { credentials: 'same-origin' })).json();
          headers['x-csrf-token'] = csrf.data.csrfToken;
        }
        const response = await fetch('/api/keys', {
          method: 'POST',
          credentials: 'same-origin',
          headers,
          body: JSON.stringify({ name: 'forged' }),
        });
        return { status: response.status, body: await response.json() };
      }, withToken);

    const refused = await attempt(false);
    expect(refused).toEqual({
      status: 403,
      body: { success: false, error: 'Missing or invalid CSRF token', code: 'csrf_invalid', requestId: expect.any(String) },
    });
    expect((await dashboard.app.get('/api/keys', ada.auth)).body.data.map((key: { name: string }) => key.name)).not.toContain('forged');
    // The same request with the session's token goes through: it is the header that was missing.
    expect((await attempt(true)).status).toBe(201);
  });

  it('returns to Sign in when the session expires, then back to the page after signing in again', async () => {
    const { page } = await open();
    await page.goto(`${dashboard.origin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();

    // Past SESSION_IDLE_TIMEOUT (30 minutes) without a request.
    dashboard.app.clock.advance(31 * 60 * 1000);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again to continue.' }).waitFor();
    expect(page.url()).toBe(`${dashboard.origin}/sign-in`);

    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    expect(page.url()).toBe(`${dashboard.origin}/account/sessions`);
  });

  it('lists this browser among the sessions, and Sign out everywhere ends the others too', async () => {
    const first = await open();
    const second = await open();
    for (const { page } of [first, second]) {
      await page.goto(`${dashboard.origin}/sign-in`);
      await signIn(page, ada.email);
      await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    }
    const { page } = first;
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    const rows = page.getByRole('table').getByRole('row');
    await page.getByText('This browser').waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    expect(await page.getByText('This browser').count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out everywhere?' });
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('status').filter({ hasText: 'signed out everywhere' }).waitFor();

    // The other browser finds out on its next request.
    await second.page.getByRole('link', { name: 'Sessions' }).click();
    await second.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await dashboard.app.get('/api/auth/sessions', (await dashboard.app.login(ada.email, PASSWORD)).auth)).body.meta.total).toBe(0);
  });
});
