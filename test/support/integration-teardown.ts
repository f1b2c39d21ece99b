import { TEMPLATE_ENV, withClient } from './postgres-server';

/** Jest globalTeardown of `npm run test:integration`: drops the template database (the embedded snapshot stays cached, see global-setup.ts). */
export default async function integrationTeardown(): Promise<void> {
  const serverUrl = process.env.ARGUS_TEST_SERVER_URL;
  const template = process.env[TEMPLATE_ENV];
  if (serverUrl && template) await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`));
}
