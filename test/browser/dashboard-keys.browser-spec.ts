/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, and are typed as such.)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Page } from 'playwright-core';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, signIn, startDashboard } from '../support/dashboard';
import { Session } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;
const run = promisify(execFile);
const KEY_PATTERN = /argus_[0-9A-Za-z]{43}/;

/** Tab (bounded) until the focused element is the one `matches` describes; fails loudly otherwise. */
async function tabTo(page: Page, description: string, matches: (element: { label: string; text: string; tag: string }) => boolean) {
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return { label: element?.getAttribute('aria-label') ?? '', text: element?.textContent?.trim() ?? '', tag: element?.tagName ?? '' };
    });
    if (matches(focused)) return;
  }
  throw new Error(`Tab never reached ${description}`);
}

/** The API Keys page in Chromium: creating by keyboard, the key shown once, Copy, snippets, revoking, rotating. */
describeWithChromium('API keys in the dashboard, in a browser', () => {
  let dashboard: Dashboard;
  let ada: Session;
  const pages: WatchedPage[] = [];

  const signedIn = async (origin?: string, permissions: string[] = []) => {
    const watched = await openPage(dashboard, origin, permissions);
    pages.push(watched);
    const base = origin ?? dashboard.origin;
    await watched.page.goto(`${base}/sign-in`);
    await signIn(watched.page, ada.email);
    await watched.page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
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

  it('creates a key with the keyboard alone, shows it once, and never stores it', async () => {
    const { page } = await signedIn();
    await tabTo(page, 'Create API Key', (element) => element.text === 'Create API Key');
    await page.keyboard.press('Enter');
    // Focus moved to the form's first field.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toBe('Name');
    await page.keyboard.type('keyboard deploy bot');
    await tabTo(page, 'the read:keys checkbox', (element) => element.label === 'read:keys');
    await page.keyboard.press('Space');
    await tabTo(page, 'the Create button', (element) => element.tag === 'BUTTON' && element.text === 'Create');
    await page.keyboard.press('Enter');

    const heading = page.getByRole('heading', { name: 'API key created' });
    await heading.waitFor();
    expect(await heading.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.getByText('Copy this key now: it cannot be shown again.').waitFor();
    const key = await page.getByLabel('API key “keyboard deploy bot”').inputValue();
    expect(key).toMatch(KEY_PATTERN);

    // The key is real, with exactly the scope ticked.
    const verified = await fetch(`${dashboard.localOrigin}/api/auth/verify`, { headers: { 'X-API-Key': key } });
    expect((await verified.json()).data).toMatchObject({ method: 'api_key', scopes: ['read:keys'] });

    const stored = await page.evaluate(() =>
      JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, url: location.href }),
    );
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(8));

    await page.reload();
    await page.getByRole('link', { name: 'keyboard deploy bot' }).waitFor();
    expect(await page.content()).not.toContain(key.slice(8));
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain(key.slice(8));
  });

  it('copies the key, and gives snippets for this origin whose curl works as shown', async () => {
    const { page } = await signedIn(dashboard.localOrigin, ['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name').fill('snippet bot');
    await page.getByRole('checkbox', { name: 'read:keys' }).check();
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const key = await page.getByLabel('API key “snippet bot”').inputValue();

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    const snippets: Record<string, string> = {};
    for (const tab of ['curl', 'Python (requests)', 'Node.js (fetch)', 'Shell']) {
      await page.getByRole('tab', { name: tab }).click();
      snippets[tab] = await page.getByRole('tabpanel').locator('pre').innerText();
      expect(snippets[tab]).toContain(key);
      expect(snippets[tab]).toContain(`${dashboard.localOrigin}/api/`);
    }
    expect(snippets['Python (requests)']).toContain('import requests');
    expect(snippets['Node.js (fetch)']).toContain('await fetch(');

    // Pasted into a shell, the curl and shell snippets answer as the key.
    for (const tab of ['curl', 'Shell']) {
      const { stdout } = await run('sh', ['-c', snippets[tab]], { timeout: 10_000 });
      expect(JSON.parse(stdout).success).toBe(true);
    }
    // The Node snippet, as a module (top-level await), in this Node.
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', snippets['Node.js (fetch)']], { timeout: 10_000 });
    expect(stdout).toContain('authenticated');
  });

  it('copies on plain http too, where the clipboard API does not exist', async () => {
    const { page } = await signedIn();
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name').fill('plain http bot');
    await page.getByRole('checkbox', { name: 'read:keys' }).check();
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard').waitFor();
  });

  it('revokes a key only through the dialog that names it', async () => {
    const created = await dashboard.app.createKey(ada, { name: 'to revoke', scopes: ['read:keys'] });
    const { page } = await signedIn();
    const opener = page.getByRole('button', { name: 'Revoke to revoke' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “to revoke”?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(`${created.key.slice(0, 8)}…`);
    expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((element) => element === document.activeElement)).toBe(true);
    // Escape dismisses it; nothing is revoked and focus returns to the row's button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await opener.evaluate((element) => element === document.activeElement)).toBe(true);
    expect((await dashboard.app.get('/api/auth/verify', created.auth)).status).toBe(200);

    await opener.click();
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await opener.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'to revoke' }) });
    expect(await row.innerText()).toContain('revoked');
    expect((await dashboard.app.get('/api/auth/verify', created.auth)).body.code).toBe('api_key_revoked');
  });

  it('shows a key’s page with its events, rotates it with a grace period and revokes the successor', async () => {
    const created = await dashboard.app.createKey(ada, { name: 'rotating', scopes: ['read:keys', 'write:keys'] });
    const { page } = await signedIn();
    await page.getByRole('link', { name: 'rotating' }).click();
    await page.getByRole('heading', { name: 'rotating', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Events' }).getByText('key.created').waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('checkbox', { name: 'write:keys' }).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('region', { name: 'Events' }).getByText('key.updated').waitFor();
    expect((await dashboard.app.get(`/api/keys/${created.id}`, ada.auth)).body.data.scopes).toEqual(['read:keys']);

    await page.getByRole('button', { name: 'Rotate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate “rotating”?' });
    await dialog.getByLabel('Grace period for the old key').selectOption({ label: '1 hour' });
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('heading', { name: 'Key rotated: save the new key' }).waitFor();
    const successor = await page.getByLabel('API key “rotating”').inputValue();
    expect(successor).toMatch(KEY_PATTERN);
    // The old key works through the grace period, the new one at once.
    expect((await dashboard.app.get('/api/auth/verify', created.auth)).status).toBe(200);
    expect((await dashboard.app.get('/api/auth/verify', { 'x-api-key': successor })).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(created.id));
    expect(await page.content()).not.toContain(successor.slice(8));

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('dialog', { name: 'Revoke “rotating”?' }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('region', { name: 'Details' }).getByText('revoked', { exact: true }).waitFor();
    expect((await dashboard.app.get('/api/auth/verify', { 'x-api-key': successor })).body.code).toBe('api_key_revoked');
  });
});
