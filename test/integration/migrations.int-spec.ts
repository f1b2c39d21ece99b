import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/app.config';
import { createDataSource } from '../../src/core/database/database.module';
import { ENTITIES, MIGRATIONS } from '../../src/schema';
import { FreshDatabase, freshDatabase } from '../support/postgres-server';
import { TEST_JWT_SECRET } from '../support/test-app';

describe('migrations on a shared server (integration)', () => {
  let database: FreshDatabase;

  beforeAll(async () => {
    database = (await freshDatabase()) as FreshDatabase;
  });
  afterAll(() => database.drop());

  it('instances starting together on a fresh database take turns: each migration runs once and every start succeeds', async () => {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: database.url, DATABASE_POOL_SIZE: '2' });
    // No retries here (the app's module would retry): a race would surface as a rejected start.
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map(() => createDataSource(config, { entities: ENTITIES, migrations: MIGRATIONS })),
    );
    const started = results.filter((r): r is PromiseFulfilledResult<DataSource> => r.status === 'fulfilled').map((r) => r.value);
    try {
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const migrations: Array<{ name: string }> = await started[0].query(`SELECT name FROM migrations`);
      expect(migrations.length).toBeGreaterThanOrEqual(6);
      expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
    } finally {
      for (const dataSource of started) await dataSource.destroy();
    }
  });
});
