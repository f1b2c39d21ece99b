import { Browser } from 'playwright-core';
import { TEST_HOST, chromiumAvailable, launchChromium, listeningApp } from '../support/browser';
import { TestApp } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

describeWithChromium('/docs in a browser under a non-local host name', () => {
  let browser: Browser;
  let plain: { app: TestApp; port: number };
  let proxied: { app: TestApp; port: number };

  beforeAll(async () => {
    [plain, proxied, browser] = await Promise.all([listeningApp(), listeningApp({ TRUST_PROXY: 'loopback' }), launchChromium()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([plain?.app.close(), proxied?.app.close()]);
  });

  it('renders Swagger UI over plain http, with no upgrade-insecure-requests', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      // (Chromium also notes that it ignores Cross-Origin-Opener-Policy on a non-https origin: harmless.)
      if (message.type() === 'error' && !message.text().includes('Cross-Origin-Opener-Policy')) refused.push(message.text());
    });
    try {
      const response = await page.goto(`http://${TEST_HOST}:${plain.port}/docs`, { timeout: 20_000 });
      expect(response?.status()).toBe(200);
      const csp = (await response?.headerValue('content-security-policy')) ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(40);
      // By its exact path: /api/auth/login/mfa contains the same text.
      expect(await page.locator('.opblock-summary-path[data-path="/api/auth/login"]').count()).toBe(1);
      expect(refused).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('sends upgrade-insecure-requests when a trusted proxy says the request came over https', async () => {
    const page = await browser.newPage({ extraHTTPHeaders: { 'X-Forwarded-Proto': 'https' } });
    const upgraded: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`https://${TEST_HOST}`)) upgraded.push(request.url());
    });
    try {
      const response = await page.goto(`http://${TEST_HOST}:${proxied.port}/docs`, { timeout: 20_000 });
      expect(await response?.headerValue('content-security-policy')).toContain('upgrade-insecure-requests');
      // The browser obeys it: the assets are asked for over https (which is why plain http must not get it).
      await page.waitForLoadState('load', { timeout: 20_000 }).catch(() => undefined);
      expect(upgraded.some((url) => url.includes('/docs/swagger-ui'))).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('ignores X-Forwarded-Proto from a client that is not a trusted proxy', async () => {
    const response = await fetch(`http://127.0.0.1:${plain.port}/docs`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    await response.arrayBuffer();
  });
});
