/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, and are typed as such.)
import { readFile } from 'node:fs/promises';
import { Page } from 'playwright-core';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, screenshot, seriousViolations, signIn, startDashboard } from '../support/dashboard';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CreatedKey, PASSWORD, Session } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/** The status `request` answers, asked again until it is `wanted` or `ms` have passed. */
async function statusWithin(ms: number, wanted: number, request: () => Promise<{ status: number }>): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const { status } = await request();
    if (status === wanted || Date.now() > until) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The administrators' pages in Chromium: an admin finds a user's key by the user's email and
 * deactivates it (and the key stops verifying), changes a role, deactivates a user, filters the
 * audit log and downloads it as CSV; a user is denied, by the page and by the API.
 */
describeWithChromium('the admin pages, in a browser', () => {
  let dashboard: Dashboard;
  let ada: Session;
  let grace: Session;
  let deployKey: CreatedKey;
  const pages: WatchedPage[] = [];

  const signedIn = async (email: string, password: string, heading = 'API Keys') => {
    const watched = await openPage(dashboard);
    pages.push(watched);
    await watched.page.goto(`${dashboard.origin}/sign-in`);
    await signIn(watched.page, email, password);
    await watched.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    return watched;
  };
  const asAdmin = () => signedIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const scan = async (page: Page, name?: string) => {
    if (name) await screenshot(page, name);
    expect(await seriousViolations(page)).toEqual([]);
  };
  /** As curl would: straight to the API with the key, no browser involved. */
  const verify = (key: string) => fetch(`${dashboard.localOrigin}/api/auth/verify`, { headers: { 'X-API-Key': key } });

  beforeAll(async () => {
    dashboard = await startDashboard();
    const { app } = dashboard;
    // Fixed addresses, for the screenshots.
    for (const [email, name] of [
      ['ada@example.com', 'Ada'],
      ['grace@example.com', 'Grace'],
    ]) {
      expect((await app.post('/api/auth/register', { email, password: PASSWORD, name })).status).toBe(201);
    }
    ada = await app.login('ada@example.com', PASSWORD);
    grace = await app.login('grace@example.com', PASSWORD);
    deployKey = await app.createKey(ada, { name: 'CI deploy bot', scopes: ['read:keys'] });
    await app.createKey(ada, { name: 'nightly export', scopes: ['read:keys'] });
    await app.createKey(grace, { name: 'billing reader', scopes: ['read:projects'] });
  }, 180_000);
  afterEach(async () => {
    for (const watched of pages.splice(0)) {
      expect(watched.foreign).toEqual([]);
      expect(watched.errors).toEqual([]);
      await watched.context.close();
    }
  });
  afterAll(() => dashboard?.close());

  it('an admin finds a user’s key by the user’s email and deactivates it: the key no longer verifies', async () => {
    expect((await verify(deployKey.key)).status).toBe(200);
    const { page } = await asAdmin();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All keys' }).click();
    await page.getByRole('heading', { name: 'All keys', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete billing reader of grace@example.com' }).waitFor();

    await page.getByLabel('Owner email').fill(ada.email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('button', { name: 'Delete billing reader of grace@example.com' }).waitFor({ state: 'detached' });
    expect(await page.getByRole('table').getByRole('row').count()).toBe(3);
    await scan(page, 'admin-keys');

    await page.getByRole('button', { name: `Deactivate CI deploy bot of ${ada.email}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `“CI deploy bot” of ${ada.email} is deactivated.` })
      .waitFor();
    await page.getByRole('button', { name: `Activate CI deploy bot of ${ada.email}` }).waitFor();
    const refused = await verify(deployKey.key);
    expect(refused.status).toBe(401);
    expect((await refused.json()).code).toBe('api_key_inactive');

    // The delete dialog names the key; Escape leaves it alone.
    await page.getByRole('button', { name: `Delete nightly export of ${ada.email}` }).click();
    await page.getByRole('dialog', { name: 'Delete “nightly export”?' }).waitFor();
    await scan(page);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('an admin changes a role and deactivates a user, each taking effect in the API', async () => {
    const { page } = await asAdmin();
    await page.goto(`${dashboard.origin}/admin/users`);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('combobox', { name: `Role of ${ada.email}` }).waitFor();
    await scan(page, 'admin-users');

    await page.getByRole('combobox', { name: `Role of ${ada.email}` }).selectOption('admin');
    await page.getByRole('button', { name: `Save role of ${ada.email}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${ada.email} is now an admin.` })
      .waitFor();
    expect((await dashboard.app.get('/api/admin/users', ada.auth)).status).toBe(200);
    await page.getByRole('combobox', { name: `Role of ${ada.email}` }).selectOption('user');
    await page.getByRole('button', { name: `Save role of ${ada.email}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${ada.email} is now a user.` })
      .waitFor();
    expect((await dashboard.app.get('/api/admin/users', ada.auth)).status).toBe(403);

    await page.getByLabel('Search').fill('grace');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('combobox', { name: `Role of ${ada.email}` }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `Deactivate ${grace.email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Deactivate ${grace.email}?` });
    await dialog.waitFor();
    await scan(page);
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('button', { name: `Activate ${grace.email}` }).waitFor();
    // Seen once answering 200 for a moment right after the change (a cache told through the
    // invalidation bus, "within a second"): allowed that second, no more.
    expect(await statusWithin(2_000, 401, () => dashboard.app.get('/api/auth/me', grace.auth))).toBe(401);
    expect((await dashboard.app.post('/api/auth/login', { email: grace.email, password: PASSWORD })).status).not.toBe(200);
  });

  it('an admin filters the audit log and downloads the CSV of what the filters match', async () => {
    const { page } = await asAdmin();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('table').getByText('key.created').first().waitFor();

    await page.getByLabel('Action').fill('key.deactivated');
    await page.getByLabel('Target id').fill(deployKey.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('table').getByText('key.created').first().waitFor({ state: 'detached' });
    expect(await page.getByRole('table').getByRole('row').count()).toBe(2);
    await scan(page, 'admin-audit');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('audit-events.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('id,occurredAt,action,actorType,actorId,actorKeyId,targetType,targetId,ip,userAgent,requestId,changes');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',key.deactivated,user,');
    expect(lines[1]).toContain(deployKey.id);
  });

  it('a user sees no admin entries, is denied the admin pages, and the API answers 403', async () => {
    const { page } = await signedIn(ada.email, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'API Keys',
      'Organizations',
      'Webhooks',
      'Sessions',
      'Profile',
      'Security',
      'Your data',
    ]);
    for (const path of ['/admin/users', '/admin/keys', '/admin/audit']) {
      await page.goto(`${dashboard.origin}${path}`);
      await page.getByRole('heading', { name: 'Access denied', level: 1 }).waitFor();
    }
    await page.getByRole('alert').filter({ hasText: 'This page is for administrators.' }).waitFor();
    await scan(page, 'admin-denied');
    const statuses = await page.evaluate(async () =>
      Promise.all(
        ['/api/admin/users', '/api/admin/api-keys', '/api/admin/audit-events?format=csv'].map(
          async (path) => (await fetch(path, { credentials: 'same-origin' })).status,
        ),
      ),
    );
    expect(statuses).toEqual([403, 403, 403]);
  });
});
