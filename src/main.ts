import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { flushLogsSync } from './core/logging/logging';
import { exitOnFatalErrors, flushLogsOnSignals } from './core/process/exit-paths';
import { loadConfig } from './app.config';
import { ensureJwtSecret } from './auth/jwt-secret-file';
import { ConfigError } from './core/config/config-error';
import { assertDataDirFree } from './core/database/embedded-postgres';

async function main(): Promise<void> {
  exitOnFatalErrors(new Logger('Argus'), flushLogsSync);
  const config = ensureJwtSecret(loadConfig());
  if (!config.database.url && !config.database.inMemory) assertDataDirFree(config.dataDir);
  const app = await createApp(config);
  flushLogsOnSignals(flushLogsSync);
  await app.listen({ port: config.port, host: config.host });

  const logger = new Logger('Argus');
  if (config.jwt.generated) {
    logger.warn(`JWT_SECRET is not set: using a secret generated into ${config.dataDir}. Set JWT_SECRET in production.`);
  }
  const database = config.database.url ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.dataDir}`;
  // Nest names the scheme from its own httpsOptions, which a Fastify adapter's TLS leaves unset.
  const url = (await app.getUrl()).replace(/^http:/, config.tls.server ? 'https:' : 'http:');
  logger.log(`Argus listening on ${url} with ${database}; API explorer at /docs`);
}

main().catch((error: unknown) => {
  flushLogsSync();
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Argus failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
