import type { ApiKey, Me } from '../api/types';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
type Handler = (request: FakeRequest, params: Record<string, string>) => Answer | undefined;

export const ok = (data: unknown, extra: Record<string, unknown> = {}) => ({ status: 200, body: { success: true, data, ...extra } });
export const created = (data: unknown) => ({ status: 201, body: { success: true, data } });
/** 204: no body at all. */
export const noContent = () => ({ status: 204, body: undefined });
export const fail = (status: number, code: string, error: string) => ({
  status,
  body: { success: false, error, code, requestId: 'req-test' },
});

/**
 * A stand-in for the Argus API in component tests: routes by method and path pattern, records
 * every request, and answers 404 (the envelope) for anything not routed.
 */
export class FakeApi {
  readonly requests: FakeRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: string; handler: Handler }> = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.unshift({ method, pattern, handler });
    return this;
  }

  readonly fetch = ((input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString(), 'http://argus.test');
    const request: FakeRequest = {
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: (init.headers as Record<string, string>) ?? {},
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(request);
    for (const route of this.routes) {
      const params = route.method === request.method ? match(route.pattern, request.path) : undefined;
      const answer = params && route.handler(request, params);
      if (answer) return Promise.resolve(json(answer.body, answer.status, answer.headers));
    }
    return Promise.resolve(json(fail(404, 'not_found', 'Route not found').body, 404));
  }) as typeof fetch;

  last(method: string, path: string): FakeRequest | undefined {
    return [...this.requests].reverse().find((request) => request.method === method && request.path === path);
  }
}

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  status === 204
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return undefined;
  }
  return params;
}

export const USER: Me = {
  id: '0b6f8a4e-1f7e-4a55-9a53-3f1f5f0f0001',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'user',
  isActive: true,
  mfaEnabled: false,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
  method: 'session',
};

export const ADMIN: Me = {
  ...USER,
  id: '0b6f8a4e-1f7e-4a55-9a53-3f1f5f0f00ad',
  email: 'root@example.com',
  name: 'Root',
  role: 'admin',
};

export const SESSION = {
  id: '5e0c2f3a-0000-4000-8000-000000000001',
  createdAt: '2026-11-20T10:00:00.000Z',
  lastSeenAt: '2026-11-20T10:05:00.000Z',
  expiresAt: '2026-11-27T10:00:00.000Z',
  ip: '127.0.0.1',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140',
  current: true,
};

export function apiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: '7d8e9f00-0000-4000-8000-000000000001',
    name: 'CI deploy bot',
    keyPrefix: 'argus_A3',
    isActive: true,
    organizationId: null,
    projectId: null,
    parentKeyId: null,
    status: 'active',
    scopes: ['read:keys'],
    expiresAt: null,
    revokedAt: null,
    rotatedAt: null,
    replacedById: null,
    lastUsedAt: null,
    rateLimit: null,
    quota: null,
    allowedIps: null,
    rotationPolicy: null,
    rotationDueAt: null,
    revealPending: false,
    createdAt: '2026-11-23T06:28:02.703Z',
    updatedAt: '2026-11-23T06:28:02.703Z',
    ...overrides,
  };
}

/** A fake backend with a signed-in (or signed-out) visitor and nothing else yet. */
export function signedInApi(options: { signedIn?: boolean; registrationOpen?: boolean; me?: Me } = {}): FakeApi {
  let signedIn = options.signedIn ?? true;
  const me = options.me ?? USER;
  return new FakeApi()
    .on('GET', '/api/auth/options', () => ok({ registrationOpen: options.registrationOpen ?? true }))
    .on('GET', '/api/auth/me', () => (signedIn ? ok(me) : fail(401, 'unauthorized', 'Authentication required')))
    .on('GET', '/api/auth/csrf', () =>
      signedIn ? ok({ csrfToken: 'csrf-after-reload' }) : fail(401, 'unauthorized', 'Authentication required'),
    )
    .on('POST', '/api/auth/sessions', (request) => {
      const { password } = request.body as { password: string };
      if (password !== 'a-long-enough-password') return fail(401, 'invalid_credentials', 'Invalid email or password');
      signedIn = true;
      return created({ user: me, session: SESSION, csrfToken: 'csrf-from-sign-in' });
    })
    .on('DELETE', '/api/auth/session', () => {
      signedIn = false;
      return ok(null);
    })
    .on('GET', '/api/keys', () => ok([], { meta: { page: 1, limit: 20, total: 0 } }))
    .on('GET', '/api/v1/organizations', () => ok([], { meta: { page: 1, limit: 100, total: 0 } }))
    .on('GET', '/api/v1/projects', () => ok([], { meta: { page: 1, limit: 100, total: 0 } }));
}
