import { Browser } from 'playwright-core';
import { TEST_HOST, chromiumAvailable, launchChromium } from '../support/browser';
import { ServerProcess, ensureBuilt } from '../support/server-process';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/**
 * What `npm install && npm start` gives a person: the built server (dist/, dashboard included)
 * on the embedded database, opened in a browser at /, signing up and creating a key.
 */
describeWithChromium('npm start serves the dashboard', () => {
  let browser: Browser;
  let server: ServerProcess;
  let origin: string;

  beforeAll(async () => {
    ensureBuilt();
    server = ServerProcess.spawn();
    const [url, launched] = await Promise.all([server.listening(60_000), launchChromium()]);
    browser = launched;
    origin = url.replace('127.0.0.1', TEST_HOST);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('opens at /, creates an account and a key', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
    });
    try {
      const response = await page.goto(`${origin}/`);
      expect(response?.status()).toBe(200);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByRole('link', { name: 'Create account' }).click();
      await page.getByLabel('Email').fill('first@example.com');
      await page.getByLabel('Password').fill('a-long-enough-password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Create API Key' }).click();
      await page.getByLabel('Name').fill('my first key');
      await page.getByRole('checkbox', { name: 'read:keys' }).check();
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      expect(await page.getByLabel('API key “my first key”').inputValue()).toMatch(/^argus_/);
      expect(foreign).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
