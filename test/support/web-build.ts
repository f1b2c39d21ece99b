import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** What the dashboard's build reads: its own sources, the scope grammar and webhook event catalogue it imports, the lock file. */
const INPUTS = ['web', join('src', 'access'), join('src', 'events', 'webhook-events.ts'), 'package-lock.json'];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  try {
    return readdirSync(path, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => files(join(path, entry.name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return [path];
    throw error;
  }
}

/**
 * The dashboard built from the current sources with its real Vite config, into a temporary folder
 * named by a hash of those sources: built once, then shared by every suite and run until a
 * source changes. (Not dist/web, which `npm run build` owns.)
 */
export function builtDashboard(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(ROOT, input)))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const folder = join(tmpdir(), `argus-dashboard-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(folder, 'index.html'))) return folder;

  const partial = `${folder}.${process.pid}.partial`;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const build = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.mts', '--outDir', partial, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
  try {
    renameSync(partial, folder);
  } catch {
    // Another process built the same sources first: theirs is identical.
    rmSync(partial, { recursive: true, force: true });
  }
  return folder;
}
