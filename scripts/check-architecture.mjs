// The parts of the floor plan (README "Architecture") that an import graph cannot show:
// only core/ may declare a @Global module, and no product file grows past 300 lines.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const MAX_LINES = 300;
const root = new URL('..', import.meta.url).pathname;
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) check(path);
  }
}

function check(path) {
  const file = relative(root, path);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_LINES) problems.push(`${file}: ${lines} lines (at most ${MAX_LINES}; split it along a seam)`);
  if (/@Global\(\)/.test(text) && !file.startsWith('src/core/')) problems.push(`${file}: @Global() outside src/core (import the module where it is used)`);
}

walk(join(root, 'src'));
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('architecture: ok');
