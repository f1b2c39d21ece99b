#!/usr/bin/env node
// `npm test`: the Jest suites (unit specs and the HTTP contract end to end), then the dashboard's
// component tests (Vitest, web/). Arguments go to Jest (`npm test -- --json --outputFile=r.json`);
// ARGUS_WEB_TEST_RESULTS=<file> makes Vitest write its JSON results there too (.ci/run counts both).
// Both run even when the first fails, and the exit code is non-zero if either did.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

const jest = run([
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  join(root, 'node_modules/jest/bin/jest.js'),
  '--config',
  'test/jest.config.js',
  ...process.argv.slice(2),
]);

const results = process.env.ARGUS_WEB_TEST_RESULTS;
const web = run([
  join(root, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--config',
  'web/vite.config.mts',
  ...(results ? ['--reporter=default', '--reporter=json', `--outputFile.json=${results}`] : []),
]);

process.exit(jest !== 0 ? jest : web);
