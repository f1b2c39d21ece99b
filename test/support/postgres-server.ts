import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Names the migrated template database that the integration setup made on the server. */
export const TEMPLATE_ENV = 'ARGUS_TEST_TEMPLATE_DATABASE';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new database on the PostgreSQL server in ARGUS_TEST_SERVER_URL (undefined without one):
 * empty, or with `migrated` a copy of the integration setup's migrated template.
 */
export async function freshDatabase(options: { migrated?: boolean } = {}): Promise<FreshDatabase | undefined> {
  const serverUrl = process.env.ARGUS_TEST_SERVER_URL;
  if (!serverUrl) return undefined;
  const template = options.migrated ? process.env[TEMPLATE_ENV] : undefined;
  if (options.migrated && !template) throw new Error(`${TEMPLATE_ENV} is not set: the integration globalSetup makes the template`);
  const name = `argus_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
  return {
    url: databaseUrl(serverUrl, name),
    drop: () => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** The server URL pointed at another database on it. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
