import { totpCode } from '../../src/auth/mfa/totp';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, screenshot, seriousViolations, signIn, startDashboard } from '../support/dashboard';
import { Session } from '../support/test-app';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/** Two-factor in Chromium against the whole app: set up from the shown secret, sign in with a code, a wrong code, a recovery code. */
describeWithChromium('two-factor authentication in a browser', () => {
  let dashboard: Dashboard;
  let ada: Session;
  let secret: string;
  let recoveryCodes: string[];
  const pages: WatchedPage[] = [];

  const open = async () => {
    const watched = await openPage(dashboard, dashboard.localOrigin);
    pages.push(watched);
    return watched;
  };
  /** The app's code now, a step after the last one used (a code is accepted once). */
  const freshCode = (): string => {
    dashboard.app.clock.advance(30_000);
    return totpCode(secret, dashboard.app.clock.now());
  };

  beforeAll(async () => {
    dashboard = await startDashboard();
    ada = await dashboard.app.newUser('ada-mfa');
  }, 180_000);
  afterEach(async () => {
    for (const watched of pages.splice(0)) {
      expect(watched.foreign).toEqual([]);
      expect(watched.errors).toEqual([]);
      await watched.context.close();
    }
  });
  afterAll(() => dashboard?.close());

  it('sets up an authenticator app from Account → Security and shows the recovery codes once', async () => {
    const watched = await open();
    const { page } = watched;
    await page.goto(`${dashboard.localOrigin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
    expect(page.url()).toBe(`${dashboard.localOrigin}/account/security`);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const qr = page.getByRole('img', { name: /QR code for setting up two-factor authentication/ });
    await qr.waitFor();
    // The QR code is an image the browser decoded (an SVG data URL, allowed by the CSP's img-src).
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'security-setup');

    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
    // Chromium logs the 400 of the wrong code; nothing else may be there.
    expect(watched.errors.splice(0)).toEqual([expect.stringContaining('status of 400')]);
    await page.getByLabel('Authentication code').fill(freshCode());
    await page.getByRole('button', { name: 'Confirm' }).click();

    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    recoveryCodes = (await list.getByRole('listitem').allTextContents()).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('argus-recovery-codes.txt');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'security-recovery-codes');

    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('10 of 10 recovery codes left').waitFor();
    expect(await list.count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'security');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
  });

  it('signs out, then signs in with the password and a code, after a wrong code', async () => {
    const { page } = await open();
    await page.goto(`${dashboard.localOrigin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    // No session yet: the cookie comes with the code.
    expect((await page.context().cookies()).some((cookie) => cookie.name.includes('argus_session'))).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-code');

    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right. Try again.' }).waitFor();
    expect(await page.getByLabel('Authentication code').inputValue()).toBe('');

    await page.getByLabel('Authentication code').fill(freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
  });

  it('signs in with a recovery code, which then works no more', async () => {
    const { page } = await open();
    await page.goto(`${dashboard.localOrigin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await page.getByText('9 of 10 recovery codes left').waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();

    await signIn(page, ada.email);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right. Try again.' }).waitFor();
  });
});
