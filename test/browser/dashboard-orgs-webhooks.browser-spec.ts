import { Page } from 'playwright-core';
import { chromiumAvailable } from '../support/browser';
import { Dashboard, WatchedPage, openPage, screenshot, seriousViolations, signIn, startDashboard } from '../support/dashboard';
import { PASSWORD, Session } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

/**
 * Organisations (members, projects, the organisation's keys) and webhooks (an endpoint on a
 * receiver started here on 127.0.0.1, a test event, its delivery and response code, redelivery)
 * in Chromium, each page scanned by axe-core and photographed for the README.
 */
describeWithChromium('organisations and webhooks in the dashboard, in a browser', () => {
  let dashboard: Dashboard;
  let ada: Session;
  let bob: Session;
  let watched: WatchedPage;
  let page: Page;
  let receiver: WebhookReceiver;

  const scan = async (name: string) => {
    await screenshot(page, name);
    expect([name, await seriousViolations(page)]).toEqual([name, []]);
  };

  beforeAll(async () => {
    // The receiver listens on loopback: the SSRF guard allows it only with WEBHOOK_ALLOW_PRIVATE (as the webhooks e2e tests run).
    dashboard = await startDashboard({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_RETRY_SCHEDULE: '10ms',
      WEBHOOK_MAX_ATTEMPTS: '2',
    });
    const { app } = dashboard;
    expect((await app.post('/api/auth/register', { email: 'ada@example.com', password: PASSWORD, name: 'Ada' })).status).toBe(201);
    ada = await app.login('ada@example.com', PASSWORD);
    expect((await app.post('/api/auth/register', { email: 'bob@example.com', password: PASSWORD, name: 'Bob' })).status).toBe(201);
    bob = await app.login('bob@example.com', PASSWORD);
    receiver = await WebhookReceiver.start();
    watched = await openPage(dashboard);
    page = watched.page;
    await page.goto(`${dashboard.origin}/sign-in`);
    await signIn(page, ada.email);
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
  }, 180_000);
  afterAll(async () => {
    expect(watched.foreign).toEqual([]);
    expect(watched.errors).toEqual([]);
    await receiver?.close();
    await dashboard?.close();
  });

  it('creates an organisation from the Organizations page and opens it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).click();
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    await page.getByText(/not in any organisation yet/).waitFor();
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByLabel('Name').fill('Acme');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Acme', level: 1 }).waitFor();
    expect(page.url()).toMatch(new RegExp(`${dashboard.origin}/organizations/[0-9a-f-]{36}$`));
  });

  it('adds a member by user ID, creates and renames a project', async () => {
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByLabel('User ID').fill(bob.userId);
    await members.getByLabel('Role', { exact: true }).selectOption({ label: 'Admin' });
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('cell', { name: 'bob@example.com', exact: true }).waitFor();
    expect(await members.getByLabel('Role of bob@example.com').inputValue()).toBe('admin');

    const projects = page.getByRole('region', { name: 'Projects' });
    await projects.getByLabel('Project name').fill('billing');
    await projects.getByLabel('Description (optional)').fill('Invoices and payments');
    await projects.getByRole('button', { name: 'Create project' }).click();
    await projects.getByRole('cell', { name: 'billing', exact: true }).waitFor();
    await projects.getByRole('button', { name: 'Rename billing' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename project “billing”' });
    await rename.getByLabel('Project name').fill('billing-api');
    await rename.getByRole('button', { name: 'Save' }).click();
    await projects.getByRole('cell', { name: 'billing-api', exact: true }).waitFor();

    const organizationId = page.url().split('/').pop() as string;
    const listed = (await dashboard.app.get(`/api/v1/organizations/${organizationId}/members`, ada.auth)).body.data;
    expect(listed.map((member: { email: string; role: string }) => [member.email, member.role])).toEqual([
      ['ada@example.com', 'owner'],
      ['bob@example.com', 'admin'],
    ]);
  });

  it('binds a new key to the project from the API Keys form, and lists it among the organisation’s keys', async () => {
    const organizationPath = new URL(page.url()).pathname;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' }).click();
    await page.getByRole('button', { name: 'Create API Key' }).click();
    await page.getByLabel('Name').fill('billing reader');
    await page.getByRole('checkbox', { name: 'read:projects' }).check();
    await page.getByLabel('Organisation or project').selectOption({ label: 'Acme / billing-api' });
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'API key created' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).click();
    await page.getByRole('link', { name: 'Acme' }).click();
    await page.getByRole('heading', { name: 'Acme', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(organizationPath);
    const keys = page.getByRole('region', { name: 'Keys in this organisation' });
    await keys.getByRole('link', { name: 'billing reader' }).waitFor();
    await scan('organization-page');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog', { name: 'Delete “Acme”?' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: '← Organizations' }).click();
    await page.getByRole('cell', { name: 'Owner' }).waitFor();
    await scan('organizations');
  });

  it('creates a webhook endpoint on a local receiver, with the secret shown once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('checkbox', { name: /key\.created/ }).check();
    await page.getByRole('checkbox', { name: /key\.revoked/ }).check();
    await scan('create-webhook');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = page.getByLabel(`Signing secret for ${receiver.url}`);
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: receiver.url }).waitFor();
    await scan('webhooks');
  });

  it('sends a test event and shows its delivery with the response code, then redelivers a failed one', async () => {
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { name: 'Webhook endpoint', level: 1 }).waitFor();
    const deliveries = page.getByRole('region', { name: 'Deliveries' });
    await deliveries.getByText(/No deliveries yet/).waitFor();

    await page.getByRole('button', { name: 'Send test event' }).click();
    const first = deliveries.getByRole('row').nth(1);
    await first.getByRole('cell', { name: 'succeeded' }).waitFor();
    expect(await first.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['webhook.test', '200', '1']));
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({ type: 'webhook.test' });
    await page.getByText('webhook.test delivered: response 200.').waitFor({ state: 'attached' });

    // The receiver fails both attempts (WEBHOOK_MAX_ATTEMPTS=2): the delivery ends failed, with its 500.
    receiver.statuses = [500, 500];
    await page.getByRole('button', { name: 'Send test event' }).click();
    await deliveries
      .getByRole('row')
      .nth(1)
      .getByRole('cell', { name: /^failed/ })
      .waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const failed = deliveries.getByRole('row').nth(1);
    await failed.getByRole('cell', { name: '500', exact: true }).waitFor();
    await deliveries.getByRole('button', { name: 'Redeliver failed' }).waitFor();
    await scan('webhook-page');

    await failed.getByRole('button', { name: /^Redeliver webhook\.test of / }).click();
    await deliveries.getByRole('row').nth(1).getByRole('cell', { name: 'succeeded' }).waitFor({ timeout: 20_000 });
    expect(await deliveries.getByRole('row').nth(1).getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['200']));
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.slice(1).map((message) => message.headers['webhook-id'])).size).toBe(1);
  });

  it('disables, enables and deletes the endpoint after a dialog naming it', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send test event' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Send test event' }).waitFor();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete the webhook to ${receiver.url}?` });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText(/No webhook endpoints yet/).waitFor();
    expect((await dashboard.app.get('/api/webhooks', ada.auth)).body.data).toEqual([]);
  });
});
