import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser';
import { seriousViolations } from '../support/dashboard';
import { freePort } from '../support/net';
import { authorizationRequest, registerApplication } from '../support/oauth';
import { PASSWORD, Session, TestApp } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;
const REDIRECT = 'https://client.example/callback';

/**
 * The authorization code flow in Chromium: Argus's login and consent pages as a person uses them
 * (labels, buttons, the redirects their forms lead to under Argus's CSP), openid-client on the
 * application's side. The application's callback is answered by the test (page.route).
 */
describeWithChromium('OAuth login and consent in a browser', () => {
  let t: TestApp;
  let issuer: string;
  let browser: Browser;
  let client: typeof import('openid-client');
  let config: import('openid-client').Configuration;
  let ada: Session;
  const contexts: Array<{ context: BrowserContext; errors: string[] }> = [];

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await TestApp.start({ ARGUS_PUBLIC_URL: issuer, RATE_LIMIT_OAUTH_BURST: '1000/1s' });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
    client = await import('openid-client');
    ada = await t.newUser('ada');
    const { application, secret } = await registerApplication(t, ada.userId, {
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
      scopes: ['read:keys'],
    });
    config = await client.discovery(new URL(issuer), application.clientId, undefined, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    });
  }, 180_000);
  afterEach(async () => {
    for (const { context, errors } of contexts.splice(0)) {
      expect(errors).toEqual([]); // no CSP violation, no script error
      await context.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh profile; the application's callback answered here, its URL kept. */
  async function openProfile(): Promise<{ page: Page; context: BrowserContext; callbacks: URL[] }> {
    const context = await browser.newContext();
    const errors: string[] = [];
    contexts.push({ context, errors });
    const callbacks: URL[] = [];
    await context.route(`${REDIRECT}**`, (route) => {
      callbacks.push(new URL(route.request().url()));
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Client</title><p>Back at the application</p>' });
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      // The wrong password's 401 is the page's own answer, which Chromium logs.
      const text = message.text();
      if (message.type() === 'error' && !text.includes('Cross-Origin-Opener-Policy') && !text.includes('status of 401')) errors.push(text);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, context, callbacks };
  }

  const authorizationUrl = () => authorizationRequest(client, config, REDIRECT, 'openid email read:keys');

  /** The consent page: names the application and the scopes; Allow sends the browser to the callback with a code. */
  async function allow(page: Page, callbacks: URL[], verifier: string, state: string): Promise<string | undefined> {
    await page.getByRole('heading', { name: 'Authorize access' }).waitFor();
    expect(await page.getByText('Read your keys').count()).toBe(1);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText('Back at the application').waitFor();
    expect(callbacks).toHaveLength(1);
    const tokens = await client.authorizationCodeGrant(config, callbacks[0], { pkceCodeVerifier: verifier, expectedState: state });
    return tokens.claims()?.sub;
  }

  it('signs in with the labelled form (a wrong password first), and Allow brings a code back to the application', async () => {
    const { page, callbacks } = await openProfile();
    const { url, verifier, state } = await authorizationUrl();
    await page.goto(url.href);
    await page.getByRole('heading', { name: 'Sign in to Argus' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Email').fill(ada.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid email or password.' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Authorize access' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await allow(page, callbacks, verifier, state)).toBe(ada.userId);
  });

  it('Deny brings access_denied back, and no code', async () => {
    const { page, context, callbacks } = await openProfile();
    await signInDashboard(context, ada.email);
    await page.goto((await authorizationUrl()).url.href);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Back at the application').waitFor();
    expect(callbacks[0].searchParams.get('error')).toBe('access_denied');
    expect(callbacks[0].searchParams.get('code')).toBeNull();
  });

  it('a dashboard sign-in as someone else switches the account: the library signs the previous user out with its own script', async () => {
    const { page, context, callbacks } = await openProfile();
    const first = await authorizationUrl();
    await page.goto(first.url.href);
    await page.getByLabel('Email').fill(ada.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await allow(page, callbacks, first.verifier, first.state)).toBe(ada.userId);

    const bea = await t.newUser('bea');
    await signInDashboard(context, bea.email);
    callbacks.length = 0;
    const second = await authorizationUrl();
    await page.goto(second.url.href);
    expect(await allow(page, callbacks, second.verifier, second.state)).toBe(bea.userId);
  });

  /** Signs the profile in as the dashboard does (its request context shares the profile's cookies), replacing any session. */
  async function signInDashboard(context: BrowserContext, email: string): Promise<void> {
    const res = await context.request.post(`${issuer}/api/auth/sessions`, { data: { email, password: PASSWORD } });
    expect(res.status()).toBe(201);
  }
});
