/** `npm run test:walkthrough`: the README's marked curl blocks against a real server process. */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  testMatch: ['<rootDir>/test/walkthrough/**/*.spec.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
