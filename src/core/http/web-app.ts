import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Paths that belong to the API and the protocols: never the dashboard, whatever they accept. */
export const NOT_DASHBOARD_PREFIXES = ['/api', '/docs', '/.well-known', '/oauth', '/assets'] as const;

/** Hashed file names change with their content, so a browser may keep them for good. */
const ASSET_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;

/** The folder with the package.json above `from`: the same answer from src/ (ts-jest) and dist/src/ (npm start). */
export function projectRoot(from: string = __dirname): string {
  let folder = from;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`No package.json above ${from}`);
    folder = parent;
  }
  return folder;
}

/** Where `npm run build` puts the dashboard (web/vite.config.ts: build.outDir). */
export function defaultWebRoot(): string {
  return join(projectRoot(), 'dist', 'web');
}

function outsideDashboard(path: string): boolean {
  return NOT_DASHBOARD_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** An explicit `text/html` (what a browser sends when it navigates), not `*\/*` (curl, fetch, SDKs). */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const refused = params.some((param) => /^q=0(\.0*)?$/.test(param));
    return !refused && (type === 'text/html' || type === 'application/xhtml+xml');
  });
}

/** Whether the dashboard answers this request (an unknown route, else Nest's 404 envelope does). */
export function isDashboardNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?', 1)[0];
  return !outsideDashboard(path) && acceptsHtml(request.headers.accept);
}

export interface WebAppOptions {
  /** The built dashboard: index.html and assets/ (default dist/web). */
  root?: string;
  /** The headers of the dashboard's page itself (its stricter CSP). */
  documentHeaders: (request: FastifyRequest) => Readonly<Record<string, string>>;
}

/**
 * Serves the dashboard on the API's port: its hashed assets under /assets/ and, for a browser
 * navigating to any path the API does not own, index.html (the single-page app routes on the
 * client). Everything else, unknown /api routes and non-HTML requests included, falls through to
 * the 404 envelope. Returns false, serving nothing, when the dashboard has not been built.
 */
export function registerWebApp(fastify: FastifyInstance, options: WebAppOptions): boolean {
  const root = options.root ?? defaultWebRoot();
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile);

  void fastify.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: ASSET_MAX_AGE_MS,
  });
  // On the not-found route only: a route the API has keeps its own answer.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || !isDashboardNavigation(request)) {
      done();
      return;
    }
    void reply
      .code(200)
      .headers(options.documentHeaders(request))
      .header('Content-Type', 'text/html; charset=utf-8')
      // Always revalidated: a new build must reach the browser at once (its assets are cached for good).
      .header('Cache-Control', 'no-cache')
      .send(index);
  });
  return true;
}
