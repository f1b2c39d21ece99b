#!/usr/bin/env node
// `node scripts/build-stamp.mjs write`: after `npm run build`, records a hash of everything the
// build reads in dist/.build-stamp.
// The dashboard (web/) is hashed with the server: a changed page rebuilds too.
// `node scripts/build-stamp.mjs ensure` (npm start's prestart): runs `npm run build` only when
// dist/src/main.js is missing or the sources no longer match that hash, so a built tree starts
// at once. Content, not mtimes, is hashed: a checkout or a copy changes mtimes but not the build.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.build-stamp');
const ENTRY = join(root, 'dist', 'src', 'main.js');
// web/ is the dashboard (vite build); it also imports src/access/scopes.ts, which 'src' covers.
const INPUTS = ['src', 'web', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

function files(path) {
  if (!existsSync(path)) return [];
  try {
    return readdirSync(path, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => files(join(path, entry.name)));
  } catch (error) {
    if (error.code === 'ENOTDIR') return [path];
    throw error;
  }
}

export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(root, input)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function isFresh() {
  return existsSync(ENTRY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === sourceHash();
}

const command = process.argv[2];
if (command === 'write') {
  writeFileSync(STAMP, `${sourceHash()}\n`);
} else if (command === 'ensure') {
  if (isFresh()) {
    console.log('dist/ matches the sources: not rebuilding');
  } else {
    console.log('dist/ is missing or older than the sources: npm run build');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
    process.exit(build.status ?? 1);
  }
} else if (command === 'check') {
  process.exit(isFresh() ? 0 : 1);
} else {
  console.error('usage: build-stamp.mjs write | ensure | check');
  process.exit(2);
}
