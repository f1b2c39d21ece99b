import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start` runs `scripts/build-stamp.mjs ensure` first: it builds only when dist/ is missing or
 * the sources changed. Checked on a scratch project whose "build" counts its runs.
 */
describe('npm start rebuilds only when the sources changed', () => {
  let root: string;

  const builds = (): number => (existsSync(join(root, 'builds')) ? readFileSync(join(root, 'builds'), 'utf8').length : 0);
  const ensure = () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-stamp.mjs'), 'ensure'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'argus-stamp-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(__dirname, '..', '..', 'scripts', 'build-stamp.mjs'), join(root, 'scripts', 'build-stamp.mjs'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'main.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'package-lock.json'), '{}\n');
    const fakeBuild =
      "node -e \"const f=require('fs');f.mkdirSync('dist/src',{recursive:true});f.writeFileSync('dist/src/main.js','');f.appendFileSync('builds','x')\"";
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, scripts: { build: fakeBuild, postbuild: 'node scripts/build-stamp.mjs write' } }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds a tree that was never built, then starts the built tree without rebuilding', () => {
    expect(ensure()).toContain('npm run build');
    expect(builds()).toBe(1);
    expect(ensure()).toContain('not rebuilding');
    expect(builds()).toBe(1);
  });

  it('rebuilds after a source, the lock file or a new source changes, but not after a mere touch', () => {
    ensure();
    utimesSync(join(root, 'src', 'main.ts'), new Date(), new Date(Date.now() + 60_000));
    ensure();
    expect(builds()).toBe(1);

    writeFileSync(join(root, 'src', 'main.ts'), 'export const a = 2;\n');
    ensure();
    expect(builds()).toBe(2);

    writeFileSync(join(root, 'src', 'other.ts'), 'export const b = 1;\n');
    ensure();
    expect(builds()).toBe(3);

    writeFileSync(join(root, 'package-lock.json'), '{"changed":true}\n');
    ensure();
    expect(builds()).toBe(4);
    ensure();
    expect(builds()).toBe(4);
  });

  it('rebuilds when dist/ was deleted', () => {
    ensure();
    rmSync(join(root, 'dist'), { recursive: true });
    ensure();
    expect(builds()).toBe(2);
  });
});
