/** `npm test`: unit specs beside the code, and the HTTP contract end to end on the embedded database. */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  // A receiver outage replayed in real time: its length is set by the clock (outage phases and
  // the back-off schedule), not by the work, so it runs in the integration suite only (README).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/webhooks-outage.e2e-spec.ts'],
  // One migrated embedded database, made before the workers start (and kept for the next run
  // while the migrations stay the same); every test app starts on a copy.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
