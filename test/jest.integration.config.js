/**
 * `npm run test:integration`: the same end-to-end suite against the PostgreSQL server in
 * DATABASE_URL (a fresh copy of one migrated template database per test app), plus the tests
 * that need a real server.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/integration/**/*.int-spec.ts'],
  // Every e2e file, the outage replay that `npm test` leaves out included.
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/support/integration-setup.ts',
  globalTeardown: '<rootDir>/test/support/integration-teardown.ts',
};
