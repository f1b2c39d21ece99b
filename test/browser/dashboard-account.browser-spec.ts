import { readFileSync } from 'node:fs';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, screenshot, seriousViolations, signIn, startDashboard } from '../support/dashboard';
import { PASSWORD } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;
const NEW_PASSWORD = 'a-brand-new-password-2';

/** Account → Profile, Security and Your data in Chromium: change password, export, delete; axe on each. */
describeWithChromium('the account pages in a browser', () => {
  let dashboard: Dashboard;
  const pages: WatchedPage[] = [];

  const open = async () => {
    const watched = await openPage(dashboard);
    pages.push(watched);
    return watched;
  };
  const noSerious = async (watched: WatchedPage, name: string) => {
    await screenshot(watched.page, name);
    expect([name, await seriousViolations(watched.page)]).toEqual([name, []]);
  };

  beforeAll(async () => {
    dashboard = await startDashboard();
  }, 180_000);
  afterEach(async () => {
    for (const watched of pages.splice(0)) {
      expect(watched.foreign).toEqual([]);
      expect(watched.errors).toEqual([]);
      await watched.context.close();
    }
  });
  afterAll(() => dashboard?.close());

  it('changes the password: the other browser is signed out and the old password no longer signs in', async () => {
    const ada = await dashboard.app.newUser('ada');
    const other = await open();
    await other.page.goto(`${dashboard.origin}/sign-in`);
    await signIn(other.page, ada.email);
    await other.page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();

    const { page } = await open();
    await page.goto(`${dashboard.origin}/account/security`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Every other session of your account has ended' }).waitFor();
    await noSerious(pages[1], 'account-security');

    // The other browser's next request finds its session over.
    await other.page.getByRole('link', { name: 'Sessions' }).click();
    await other.page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, ada.email, PASSWORD);
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await signIn(page, ada.email, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
  });

  it('shows the profile and saves a new name', async () => {
    const grace = await dashboard.app.newUser('grace');
    const watched = await open();
    const { page } = watched;
    await page.goto(`${dashboard.origin}/account/profile`);
    await signIn(page, grace.email);
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();
    expect((await dashboard.app.get('/api/auth/me', grace.auth)).body.data.name).toBe('Grace Hopper');
    await noSerious(watched, 'account-profile');
  });

  it('downloads the export, then deletes the account after the password and lands signed out', async () => {
    const linus = await dashboard.app.newUser('linus');
    const key = await dashboard.app.createKey(linus, { name: 'soon revoked' });
    const watched = await open();
    const { page } = watched;
    await page.goto(`${dashboard.origin}/account/data`);
    await signIn(page, linus.email);
    await page.getByRole('heading', { name: 'Your data', level: 1 }).waitFor();
    await noSerious(watched, 'account-data');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^argus-account-\d{4}-\d{2}-\d{2}\.json$/);
    const text = readFileSync(await download.path(), 'utf8');
    const file = JSON.parse(text);
    expect(file.profile.email).toBe(linus.email);
    expect(file.apiKeys.map((k: { name: string }) => k.name)).toEqual(['soon revoked']);
    expect(text).not.toContain(key.key);
    await page.getByRole('status').filter({ hasText: 'Your data is downloaded.' }).waitFor();

    await page.getByRole('button', { name: 'Delete account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await dialog.waitFor();
    await noSerious(watched, 'account-delete-dialog');
    await dialog.getByLabel('Password').fill('not-the-password');
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The current password is incorrect.' }).waitFor();
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await page.getByRole('status').filter({ hasText: 'Your account is deleted' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    expect((await dashboard.app.get('/api/keys', key.auth)).status).toBe(401);
    await signIn(page, linus.email);
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  });
});
