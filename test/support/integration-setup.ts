import { createEmbeddedSnapshot } from './global-setup';

/**
 * Jest globalSetup of `npm run test:integration`: refuses to run without a PostgreSQL server. The
 * embedded snapshot is for the server processes of the e2e suite.
 */
export default async function integrationSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    throw new Error('test:integration needs DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
  }
  process.env.ARGUS_TEST_SERVER_URL = process.env.DATABASE_URL;
  await createEmbeddedSnapshot();
}
