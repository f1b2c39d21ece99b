import { existsSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';
import { TestApp, TestAppOptions } from './test-app';

export const CHROMIUM = process.env.ARGUS_CHROMIUM ?? '/usr/bin/chromium';

/** A host name that is not localhost, resolved by Chromium itself to 127.0.0.1 (no DNS, no hosts file). */
export const TEST_HOST = 'argus.test';

/**
 * True when the browser tier can run; otherwise says why, so a skip is never silent. Under CI
 * (which installs Chromium) a missing browser is a failure, not a skip.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`No Chromium at ${CHROMIUM}: the browser tier cannot run`);
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${TEST_HOST} 127.0.0.1`,
    ],
  });
}

/** The whole app (built as test-app builds it) listening on 127.0.0.1 on a free port. */
export async function listeningApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<{ app: TestApp; port: number }> {
  const app = await TestApp.start(env, undefined, options);
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.app.getHttpServer().address() as AddressInfo).port;
  return { app, port };
}
