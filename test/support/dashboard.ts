/// <reference lib="dom" />
// (The functions given to page.evaluate run in the page, and are typed as such.)
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { TEST_HOST, launchChromium, listeningApp } from './browser';
import { PASSWORD, TestApp } from './test-app';
import { builtDashboard } from './web-build';

const ROOT = join(__dirname, '..', '..');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** `ARGUS_SCREENSHOTS=1 npm run test:browser` refreshes docs/screenshots (the README shows them). */
export const SCREENSHOTS = process.env.ARGUS_SCREENSHOTS ? join(ROOT, 'docs', 'screenshots') : undefined;

export interface Dashboard {
  app: TestApp;
  browser: Browser;
  port: number;
  /** Under a non-local host name: plain http, the `argus_session` cookie, no clipboard API. */
  origin: string;
  /** 127.0.0.1: a secure context for the browser (clipboard, `__Host-` cookie). */
  localOrigin: string;
  close(): Promise<void>;
}

/** The whole app with the dashboard built from the current sources, and a Chromium to drive it. */
export async function startDashboard(env: Record<string, string> = {}): Promise<Dashboard> {
  const webRoot = builtDashboard();
  const [{ app, port }, browser] = await Promise.all([listeningApp(env, { webRoot }), launchChromium()]);
  return {
    app,
    browser,
    port,
    origin: `http://${TEST_HOST}:${port}`,
    localOrigin: `http://127.0.0.1:${port}`,
    close: async () => {
      await browser.close();
      await app.close();
    },
  };
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Every request the page made to anywhere but its own origin (must stay empty). */
  foreign: string[];
  /** Console errors and CSP violations (must stay empty). */
  errors: string[];
}

/** A fresh browser profile (no cookies, no storage) whose requests and console are watched. */
export async function openPage(dashboard: Dashboard, origin = dashboard.origin, permissions: string[] = []): Promise<WatchedPage> {
  const context = await dashboard.browser.newContext({ viewport: { width: 1280, height: 860 } });
  if (permissions.length) await context.grantPermissions(permissions, { origin });
  const page = await context.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
  });
  page.on('console', (message) => {
    // Chromium notes that it ignores COOP on a non-https origin, and logs the 401 of "who am I?" when signed out.
    const text = message.text();
    if (message.type() === 'error' && !text.includes('Cross-Origin-Opener-Policy') && !/status of 40[13]/.test(text)) errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, context, foreign, errors };
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern: no inline script is added.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<any> } }).axe;
    const run = await axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((violation: any) => ({
      id: violation.id as string,
      impact: violation.impact as string,
      nodes: violation.nodes.map((node: any) => String(node.target)),
    }));
  });
  return results.filter((violation: { impact: string }) => violation.impact === 'serious' || violation.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
