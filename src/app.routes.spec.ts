import { DynamicModule, Provider, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import pino from 'pino';
import {
  ADMIN_ID,
  ControllerContext,
  OTHER_ID,
  ServiceMock,
  apiKey,
  callsTo,
  controllerSetup,
  controllerTestConfig,
  errorBody,
  mockService,
} from '../test/support/controller-setup';
import { AUTH_REQUIREMENTS, AuthRequirements, IS_PUBLIC } from './access/auth.decorators';
import { AppModule } from './app.module';
import { Clock } from './core/time/clock';
import { API_PREFIX, PROTOCOL_ROUTES } from './core/http/api-prefix';

/**
 * Every route of every controller the application mounts, found from the modules rather than
 * listed by hand: a route added anywhere is checked here without anyone remembering to. Deny by
 * default is the global guard's; this proves it holds for each route, that only the routes below
 * opt out, and that every other one declares who may call it.
 */
const PUBLIC_ROUTES = [
  'GET /api/auth/options',
  'GET /api/health',
  'GET /api/health/live',
  'GET /oauth/interaction/:uid',
  'GET /oauth/jwks',
  'POST /api/auth/login',
  'POST /api/auth/login/mfa',
  'POST /api/auth/logout',
  'POST /api/auth/refresh',
  'POST /api/auth/register',
  'POST /api/auth/sessions',
  'POST /api/auth/sessions/mfa',
  'POST /oauth/interaction/:uid/confirm',
  'POST /oauth/interaction/:uid/login',
  'POST /oauth/interaction/:uid/mfa',
];

interface Route {
  key: string;
  method: string;
  path: string;
  isPublic: boolean;
  requirements?: AuthRequirements;
}

type ModuleRef = Type | DynamicModule | Promise<DynamicModule>;

/** The controllers of `root` and of every module it imports, transitively. */
function controllersOf(root: DynamicModule): Type[] {
  const controllers = new Set<Type>();
  const seen = new Set<unknown>();
  const visit = (ref: ModuleRef | undefined): void => {
    if (!ref || ref instanceof Promise || seen.has(ref)) return;
    seen.add(ref);
    const type = 'module' in ref ? ref.module : ref;
    const declared = (key: string): unknown[] => (Reflect.getMetadata(key, type) as unknown[] | undefined) ?? [];
    const dynamic = 'module' in ref ? ref : undefined;
    for (const controller of [...declared(MODULE_METADATA.CONTROLLERS), ...(dynamic?.controllers ?? [])])
      controllers.add(controller as Type);
    for (const imported of [...declared(MODULE_METADATA.IMPORTS), ...(dynamic?.imports ?? [])]) visit(imported as ModuleRef);
  };
  visit(root);
  return [...controllers];
}

function join(...parts: string[]): string {
  return ('/' + parts.join('/')).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

function routesOf(controllers: Type[]): Route[] {
  const reflector = new Reflector();
  return controllers.flatMap((controller) => {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name) => {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const unprefixed = join(base, path);
      const full = PROTOCOL_ROUTES.some((route) => join(route.path) === unprefixed) ? unprefixed : join(API_PREFIX, base, path);
      return [
        {
          key: `${method} ${full}`,
          method,
          path: full,
          isPublic: reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, controller]) === true,
          requirements: reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, [handler, controller]),
        },
      ];
    });
  });
}

/** A double for every class the controllers inject (the clock is the setup's own). */
function fakeDependencies(controllers: Type[]): { providers: Provider[]; mocks: Array<ServiceMock<object>> } {
  const types = new Set<Type>();
  for (const controller of controllers) {
    for (const type of (Reflect.getMetadata('design:paramtypes', controller) as Type[] | undefined) ?? []) {
      if (type !== Clock) types.add(type);
    }
  }
  const mocks = [...types].map((type) => [type, mockService(type as Type<object>)] as const);
  return { providers: mocks.map(([provide, useValue]) => ({ provide, useValue })), mocks: mocks.map(([, mock]) => mock) };
}

const controllers = controllersOf(
  AppModule.forRoot(controllerTestConfig({ OAUTH_DYNAMIC_REGISTRATION: 'true' }), { logger: pino({ level: 'silent' }) }),
);
const routes = routesOf(controllers);
const guarded = routes.filter((route) => !route.isPublic);
const withScopes = guarded.filter((route) => route.requirements?.scopes?.length);
const withRoles = guarded.filter((route) => route.requirements?.roles?.length);

/** The route with every path parameter filled by a well-formed id nothing exists under. */
const urlOf = (route: Route): string => route.path.replace(/:[A-Za-z]+/g, OTHER_ID);
const bodyOf = (route: Route): unknown => (['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined);

describe('every route of the application', () => {
  let ctx: ControllerContext;
  const { providers, mocks } = fakeDependencies(controllers);
  const serviceCalls = () => mocks.flatMap(callsTo);

  beforeAll(async () => {
    ctx = await controllerSetup(controllers, providers);
  });
  afterAll(() => ctx.close());
  beforeEach(() => mocks.forEach((mock) => mock.resetAllMocks()));

  it('finds every controller and route Fastify serves', () => {
    expect(controllers.length).toBeGreaterThanOrEqual(11);
    expect(routes.map((route) => route.key).sort()).toEqual([...ctx.routes].sort());
  });

  it('opts only the known public routes out of authentication', () => {
    expect(
      routes
        .filter((route) => route.isPublic)
        .map((route) => route.key)
        .sort(),
    ).toEqual(PUBLIC_ROUTES);
  });

  it('has every other route declare who may call it (@Authenticated or @RequireScopes)', () => {
    expect(guarded.filter((route) => route.requirements === undefined).map((route) => route.key)).toEqual([]);
  });

  /**
   * The contract's error shape, except on the protocol routes a standard words differently:
   * dynamic registration answers RFC 7591's `{ error, error_description }`.
   */
  const RFC_ERRORS: Record<string, string> = { unauthorized: 'invalid_token', insufficient_scope: 'insufficient_scope' };
  function expectedError(route: Route, code: string, message?: string): Record<string, unknown> {
    if (route.key === 'POST /oauth/register') {
      return { error: RFC_ERRORS[code], error_description: message ?? expect.any(String), requestId: expect.any(String) };
    }
    return errorBody(code, message === undefined ? {} : { error: message });
  }

  it.each(guarded.map((route) => [route.key, route] as const))('%s: 401 unauthorized without credentials', async (_key, route) => {
    const res = await ctx.request(route.method, urlOf(route), { body: bodyOf(route) });
    expect([res.status, res.body]).toEqual([401, expectedError(route, 'unauthorized')]);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="argus", ApiKey realm="argus", header="X-API-Key"');
    expect(serviceCalls()).toEqual([]);
  });

  it.each(withRoles.map((route) => [route.key, route] as const))('%s: 403 forbidden for a caller without the role', async (_key, route) => {
    const res = await ctx.request(route.method, urlOf(route), { body: bodyOf(route), headers: ctx.as(apiKey(['admin:all'])) });
    expect([res.status, res.body]).toEqual([403, errorBody('forbidden')]);
    expect(serviceCalls()).toEqual([]);
  });

  // A key with no scopes of an admin (so no role stops it first): the rate limiter has counted it
  // (its headers are on the 403) and the scopes guard refuses it before any organisation look-up.
  it.each(withScopes.map((route) => [route.key, route] as const))(
    '%s: 403 insufficient_scope naming every scope it needs, after the rate limit',
    async (_key, route) => {
      const scopeless = apiKey([], { userId: ADMIN_ID, role: 'admin' });
      const res = await ctx.request(route.method, urlOf(route), { body: bodyOf(route), headers: ctx.as(scopeless) });
      const missing = route.requirements?.scopes?.join(', ');
      expect([res.status, res.body]).toEqual([403, expectedError(route, 'insufficient_scope', `Missing required scope: ${missing}`)]);
      expect(res.headers['x-ratelimit-limit']).toBe('1000000');
      expect(serviceCalls()).toEqual([]);
    },
  );

  it.each(PUBLIC_ROUTES.map((key) => [key, routes.find((route) => route.key === key) as Route] as const))(
    '%s: answers without credentials (whatever it then decides, never 401 for their absence)',
    async (_key, route) => {
      const res = await ctx.request(route.method, urlOf(route), { body: bodyOf(route) });
      expect(res.status).not.toBe(401);
    },
  );
});
