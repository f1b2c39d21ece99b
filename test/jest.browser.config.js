/**
 * `npm run test:browser`: pages rendered by a real headless Chromium (/usr/bin/chromium) against
 * the app listening on 127.0.0.1, reached under a non-local host name.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  maxWorkers: 1,
};
