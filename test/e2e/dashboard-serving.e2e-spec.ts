import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defaultWebRoot } from '../../src/core/http/web-app';
import { TestApp } from '../support/test-app';
import { builtDashboard } from '../support/web-build';

const ROOT = join(__dirname, '..', '..');
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const NOT_FOUND = { success: false, error: 'Route not found', code: 'not_found', requestId: expect.any(String) };
/** Issue 13: the JavaScript of the first page, gzipped. */
const FIRST_PAGE_JS_BUDGET = 250 * 1024;

describe('the dashboard, served by Argus at / (e2e)', () => {
  let t: TestApp;
  let web: string;
  let index: string;

  beforeAll(async () => {
    web = builtDashboard();
    index = readFileSync(join(web, 'index.html'), 'utf8');
    t = await TestApp.start({}, undefined, { webRoot: web });
  }, 120_000);
  afterAll(() => t?.close());

  describe('the fallback rule', () => {
    it('answers a browser navigating outside /api, /docs, /.well-known and /oauth with index.html', async () => {
      for (const path of [
        '/',
        '/sign-in',
        '/settings/api-keys',
        '/settings/api-keys/6f1c0c1e-5d4b-4c39-9b5e-0d7f6f3f8a11',
        '/account/sessions?x=1',
        '/apis',
        '/no/such/page',
      ]) {
        const res = await t.get(path, HTML);
        expect([path, res.status, res.headers['content-type']]).toEqual([path, 200, 'text/html; charset=utf-8']);
        expect(res.text).toBe(index);
        expect(res.headers['cache-control']).toBe('no-cache');
        expect(res.headers['x-request-id']).toEqual(expect.any(String));
      }
      const head = await t.request('HEAD', '/settings/api-keys', { headers: HTML });
      expect([head.status, head.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    });

    it('keeps the 404 envelope for unknown routes under the API and protocol prefixes, even for a browser', async () => {
      for (const path of [
        '/api',
        '/api/nope',
        '/api/keys/x/launch',
        '/docs/nope',
        '/.well-known/nope',
        '/oauth/nope',
        '/oauth/authorize-nope',
        '/assets/missing.js',
      ]) {
        const res = await t.get(path, HTML);
        expect([path, res.status, res.body]).toEqual([path, 404, NOT_FOUND]);
      }
    });

    it('keeps the 404 envelope for requests that do not ask for HTML', async () => {
      const accepts = [undefined, '*/*', 'application/json', 'text/html;q=0', 'image/avif,image/webp,*/*'];
      for (const accept of accepts) {
        const res = await t.get('/settings/api-keys', accept ? { accept } : {});
        expect([accept, res.status, res.body]).toEqual([accept, 404, NOT_FOUND]);
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await t.request(method, '/settings/api-keys', { headers: HTML });
        expect([method, res.status, res.body]).toEqual([method, 404, NOT_FOUND]);
      }
    });

    it('leaves the routes Argus has alone: the API, /docs and /docs-json answer as before', async () => {
      const live = await t.get('/api/health/live', HTML);
      expect([live.status, live.body]).toEqual([200, { success: true, data: { status: 'ok' } }]);
      const docs = await t.get('/docs', HTML);
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger-ui');
      expect(docs.text).not.toBe(index);
      const json = await t.get('/docs-json', HTML);
      expect(json.body.openapi).toMatch(/^3\./);
      const protectedRoute = await t.get('/api/keys', HTML);
      expect([protectedRoute.status, protectedRoute.body.code]).toEqual([401, 'unauthorized']);
    });
  });

  describe('security headers', () => {
    it('gives the page a CSP with no inline script or style, its own origin only, and no framing', async () => {
      const csp = String((await t.get('/', HTML)).headers['content-security-policy']);
      const directives = Object.fromEntries(
        csp
          .split(';')
          .map((part) => part.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values]),
      );
      expect(directives['default-src']).toEqual(["'self'"]);
      expect(directives['script-src']).toEqual(["'self'"]);
      expect(directives['style-src']).toEqual(["'self'"]);
      expect(directives['connect-src']).toEqual(["'self'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
      expect(directives['object-src']).toEqual(["'none'"]);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toContain('upgrade-insecure-requests');
    });

    it('adds upgrade-insecure-requests behind a trusted proxy that saw https, like the API', async () => {
      const proxied = await TestApp.start({ TRUST_PROXY: 'loopback' }, undefined, { webRoot: web });
      try {
        const res = await proxied.get('/', { ...HTML, 'x-forwarded-proto': 'https' });
        expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
        expect(res.headers['content-security-policy']).toContain("style-src 'self';");
      } finally {
        await proxied.close();
      }
    });

    it("keeps /docs's own policy (Swagger UI needs inline styles)", async () => {
      const csp = String((await t.get('/docs', HTML)).headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
    });
  });

  describe('assets', () => {
    const assets = () => readdirSync(join(web, 'assets'));

    it('serves the hashed assets with a year-long immutable cache and the usual headers', async () => {
      const script = assets().find((name) => name.endsWith('.js'))!;
      const res = await t.get(`/assets/${script}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('refuses to leave the assets folder', async () => {
      for (const path of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2f..%2fpackage.json']) {
        const res = await t.get(path);
        expect([path, res.status]).toEqual([path, expect.any(Number)]);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.text).not.toContain('"name": "argus"');
        expect(res.body?.success).toBe(false);
      }
    });

    it('has no inline script or style and names no other host in index.html and the CSS', () => {
      expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(index).not.toMatch(/<style\b/);
      expect(index).not.toMatch(/\sstyle=/);
      expect(index).not.toMatch(/\son[a-z]+=/i);
      const css = assets()
        .filter((name) => name.endsWith('.css'))
        .map((name) => readFileSync(join(web, 'assets', name), 'utf8'));
      expect(css.length).toBeGreaterThan(0);
      for (const text of [index, ...css]) {
        expect(text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
        expect(text).not.toMatch(/@import/);
      }
      for (const reference of index.matchAll(/\s(?:src|href)="([^"]+)"/g)) expect(reference[1]).toMatch(/^\/assets\/[\w.-]+$/);
    });

    it(`keeps the first page's JavaScript under ${FIRST_PAGE_JS_BUDGET / 1024} KB gzipped`, () => {
      const scripts = [...index.matchAll(/<script[^>]*\bsrc="([^"]+)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map(
        (m) => m[1] ?? m[2],
      );
      expect(scripts.length).toBeGreaterThan(0);
      const gzipped = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(join(web, src))).length, 0);
      expect(gzipped).toBeLessThanOrEqual(FIRST_PAGE_JS_BUDGET);
      expect(gzipped).toBeGreaterThan(10 * 1024);
      // React's production build (its development build is twice the size and says this).
      for (const src of scripts) expect(readFileSync(join(web, src), 'utf8')).not.toContain('Download the React DevTools');
    });
  });

  it('answers every unknown route with the envelope when the dashboard is not built', async () => {
    const bare = await TestApp.start({}, undefined, { webRoot: join(tmpdir(), 'argus-no-dashboard-here') });
    try {
      const res = await bare.get('/settings/api-keys', HTML);
      expect([res.status, res.body]).toEqual([404, NOT_FOUND]);
      expect(bare.logs.join('')).toContain('The dashboard is not built');
    } finally {
      await bare.close();
    }
  });
});

describe('npm run build builds the dashboard, and npm start rebuilds when a page changes', () => {
  it('builds web/ into dist/web, where the server looks', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.build).toMatch(/^nest build && npm run build:web$/);
    expect(scripts['build:web']).toBe('vite build --config web/vite.config.mts');
    expect(readFileSync(join(ROOT, 'web', 'vite.config.mts'), 'utf8')).toContain("new URL('../dist/web', import.meta.url)");
    expect(defaultWebRoot()).toBe(join(ROOT, 'dist', 'web'));
  });

  it('counts web/ in the build stamp', () => {
    const root = mkdtempSync(join(tmpdir(), 'argus-stamp-web-'));
    try {
      mkdirSync(join(root, 'scripts'));
      copyFileSync(join(ROOT, 'scripts', 'build-stamp.mjs'), join(root, 'scripts', 'build-stamp.mjs'));
      mkdirSync(join(root, 'src'));
      mkdirSync(join(root, 'web', 'src'), { recursive: true });
      writeFileSync(join(root, 'src', 'main.ts'), 'export const a = 1;\n');
      writeFileSync(join(root, 'web', 'src', 'page.tsx'), 'export const title = "API Keys";\n');
      writeFileSync(join(root, 'package-lock.json'), '{}\n');
      const fakeBuild =
        "node -e \"const f=require('fs');f.mkdirSync('dist/src',{recursive:true});f.writeFileSync('dist/src/main.js','');f.appendFileSync('builds','x')\"";
      writeFileSync(
        join(root, 'package.json'),
        JSON.stringify({ name: 'scratch', private: true, scripts: { build: fakeBuild, postbuild: 'node scripts/build-stamp.mjs write' } }),
      );
      const ensure = () =>
        spawnSync(process.execPath, [join(root, 'scripts', 'build-stamp.mjs'), 'ensure'], { cwd: root, encoding: 'utf8' }).stdout;
      const builds = () => readFileSync(join(root, 'builds'), 'utf8').length;
      ensure();
      expect(ensure()).toContain('not rebuilding');
      writeFileSync(join(root, 'web', 'src', 'page.tsx'), 'export const title = "Keys";\n');
      expect(ensure()).toContain('npm run build');
      expect(builds()).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
