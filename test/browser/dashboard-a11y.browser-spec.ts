import { Page } from 'playwright-core';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, screenshot, seriousViolations, signIn, startDashboard } from '../support/dashboard';
import { PASSWORD, Session } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/**
 * Every page and dialog of the dashboard scanned by axe-core (no serious or critical violation),
 * and photographed for the README (`ARGUS_SCREENSHOTS=1 npm run test:browser`).
 */
describeWithChromium('the dashboard is accessible (axe-core), page by page', () => {
  let dashboard: Dashboard;
  let ada: Session;
  let watched: WatchedPage;
  let page: Page;
  let keyId: string;

  const scan = async (name: string) => {
    await screenshot(page, name);
    expect([name, await seriousViolations(page)]).toEqual([name, []]);
  };

  beforeAll(async () => {
    dashboard = await startDashboard();
    const { app } = dashboard;
    // A fixed address, for the screenshots.
    expect((await app.post('/api/auth/register', { email: 'ada@example.com', password: PASSWORD, name: 'Ada' })).status).toBe(201);
    ada = await app.login('ada@example.com', PASSWORD);
    const organization = (await app.post('/api/v1/organizations', { name: 'Acme' }, ada.auth)).body.data;
    const project = (await app.post('/api/v1/projects', { organizationId: organization.id, name: 'billing-api' }, ada.auth)).body.data;
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    await app.createKey(ada, { name: 'old export', scopes: ['read:keys'] }).then((key) => app.delete(`/api/keys/${key.id}`, ada.auth));
    await app.createKey(ada, { name: 'billing reader', projectId: project.id, scopes: ['read:projects'] });
    await app.createKey(ada, {
      name: 'nightly export',
      scopes: ['read:keys', 'read:webhooks'],
      rotationPolicy: { everyDays: 90, gracePeriodSeconds: 86_400 },
    });
    const deploy = await app.createKey(ada, {
      name: 'CI deploy bot',
      scopes: ['read:keys', 'write:keys'],
      expiresAt: inAYear,
      rateLimit: { limit: 100, windowSeconds: 60 },
      allowedIps: ['127.0.0.1', '10.0.0.0/8'],
    });
    keyId = deploy.id;
    await app.get('/api/auth/verify', deploy.auth);
    watched = await openPage(dashboard);
    page = watched.page;
  }, 180_000);
  afterAll(async () => {
    expect(watched.foreign).toEqual([]);
    expect(watched.errors).toEqual([]);
    await dashboard?.close();
  });

  it('Sign in, and its error', async () => {
    await page.goto(`${dashboard.origin}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create account' }).waitFor();
    await scan('sign-in');
    await signIn(page, ada.email, 'wrong password here');
    await page.getByRole('alert').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('Create account', async () => {
    await page.getByRole('link', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create account' }).waitFor();
    await scan('create-account');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
  });

  it('API Keys: the list', async () => {
    await page.getByRole('link', { name: 'CI deploy bot' }).waitFor();
    await scan('api-keys');
  });

  it('API Keys: the create form', async () => {
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name').fill('staging deploy');
    for (const scope of ['read:keys', 'write:keys', 'read:projects']) await page.getByRole('checkbox', { name: scope }).check();
    await page.getByLabel('Organisation or project').selectOption({ label: 'Acme / billing-api' });
    await scan('create-key');
  });

  it('API Keys: the key shown once', async () => {
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'API key created' }).waitFor();
    await scan('key-created');
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('API Keys: the revoke dialog', async () => {
    await page.getByRole('button', { name: 'Revoke nightly export' }).click();
    await page.getByRole('dialog', { name: 'Revoke “nightly export”?' }).waitFor();
    await scan('revoke-dialog');
    await page.keyboard.press('Escape');
  });

  it('A key’s page, its edit form and its rotate dialog', async () => {
    await page.getByRole('link', { name: 'CI deploy bot' }).click();
    await page.getByRole('heading', { name: 'CI deploy bot', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Events' }).getByText('key.created').waitFor();
    expect(page.url()).toBe(`${dashboard.origin}/settings/api-keys/${keyId}`);
    await scan('key-page');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit “CI deploy bot”' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('dialog', { name: 'Rotate “CI deploy bot”?' }).waitFor();
    await scan('rotate-dialog');
    await page.keyboard.press('Escape');
  });

  it('Sessions, and the sign-out-everywhere dialog', async () => {
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('This browser').waitFor();
    await scan('sessions');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('dialog', { name: 'Sign out everywhere?' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('A page that does not exist', async () => {
    await page.goto(`${dashboard.origin}/settings/nothing-here`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
