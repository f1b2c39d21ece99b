import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/schema';
import { createEmbeddedSnapshot } from './global-setup';
import { TEMPLATE_ENV, databaseUrl, withClient } from './postgres-server';

/**
 * Jest globalSetup of `npm run test:integration`: refuses to run without a PostgreSQL server, and
 * migrates one template database there that every test app's database is created from (a copy
 * costs a fraction of running the migrations). The embedded snapshot is for the server processes
 * of the e2e suite.
 */
export default async function integrationSetup(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    throw new Error('test:integration needs DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
  }
  process.env.ARGUS_TEST_SERVER_URL = serverUrl;
  const template = `argus_template_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  process.env[TEMPLATE_ENV] = template;
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl(serverUrl, template), 1, true)).initialize();
  await dataSource.destroy();
  await createEmbeddedSnapshot();
}
