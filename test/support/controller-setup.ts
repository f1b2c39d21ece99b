import { AdminMfaGuard } from '../../src/auth/mfa/admin-mfa.guard';
import { UserAccessService } from '../../src/users/user-access.service';
import type { IncomingHttpHeaders } from 'node:http';
import { Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import passport from 'passport';
import pino from 'pino';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY, JWT_STRATEGY, KEY_PREFIX } from '../../src/access/credentials';
import type { OrganizationRole } from '../../src/access/organization-roles';
import type { Principal } from '../../src/access/principal';
import { ROLE_SCOPES } from '../../src/access/scopes';
import { BODY_LIMIT_BYTES } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { AuthenticationGuard } from '../../src/auth/authentication.guard';
import { AppConfig, configProviders, loadConfig } from '../../src/app.config';
import { unauthorized } from '../../src/core/errors/app.exception';
import { ErrorCode } from '../../src/core/errors/error-codes';
import { registerApiInputRules } from '../../src/core/http/api-input-rules';
import { registerSessionPlugins } from '../../src/auth/sessions/csrf';
import { SessionsService } from '../../src/auth/sessions/sessions.service';
import { toSuccessBody } from '../../src/core/http/envelope';
import { requestIdFor } from '../../src/core/http/request-id';
import { Clock } from '../../src/core/time/clock';
import { ProjectRepository } from '../../src/organizations/project.repository';
import { MembershipAccessService } from '../../src/organizations/membership-access.service';
import { OrganizationAccessGuard } from '../../src/organizations/organization-access.guard';
import { RateLimitGuard } from '../../src/rate-limit/rate-limit.guard';
import { RateLimitService } from '../../src/rate-limit/rate-limit.service';
import type { InjectOptions, TestResponse } from './test-app';
import { apiPrefix } from '../../src/core/http/api-prefix';

/*
 * The controller tier (Immich's `controllerSetup`): one controller on Fastify with the real global
 * guards in the application's order, the real validation pipe and exception filter, and the
 * application's input rules and envelope; every collaborator below the controller is faked at its
 * seam, so a spec proves authentication, authorisation and validation per route without a database.
 */

export const USER_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000001';
export const ADMIN_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000002';
export const KEY_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000003';
export const ORG_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000004';
export const PROJECT_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000005';
/** Any id the fakes know nothing about. */
export const OTHER_ID = '0b5d2d4e-1c3a-4f6b-8a7d-000000000006';

const EXPIRES_AT = new Date('2030-01-01T00:00:00.000Z');

/** A user's JWT: the role's scopes, unbound. */
export function userJwt(overrides: Partial<Principal> = {}): Principal {
  return {
    method: 'jwt',
    userId: USER_ID,
    role: 'user',
    scopes: [...ROLE_SCOPES.user],
    organizationId: null,
    projectId: null,
    expiresAt: EXPIRES_AT,
    ...overrides,
  };
}

/** A platform admin's JWT (`admin:all`). */
export function adminJwt(overrides: Partial<Principal> = {}): Principal {
  return userJwt({ userId: ADMIN_ID, role: 'admin', scopes: [...ROLE_SCOPES.admin], ...overrides });
}

/** An API key of a user holding exactly `scopes`, unbound unless `overrides` bind it. */
export function apiKey(scopes: string[], overrides: Partial<Principal> = {}): Principal {
  return { ...userJwt(), method: 'api_key', keyId: KEY_ID, scopes, rateLimit: null, quota: null, allowsIp: null, ...overrides };
}

/**
 * Who the fake credentials stand for. Process-wide like Passport's own registry (one per test
 * file, since Jest loads modules per file), so every context of a file sees every credential.
 */
const callers = new Map<string, Principal>();

type StrategyThis = passport.StrategyCreated<passport.Strategy>;
type RequestHeaders = { headers: IncomingHttpHeaders };

function bearerOf(request: RequestHeaders): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

/** What passport-jwt reports, so the guard's mapping to 401 codes is the one production runs. */
function jwtFailure(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

function keyPrincipal(this: StrategyThis, presented: string | undefined): void {
  const principal = presented === undefined ? undefined : callers.get(presented);
  if (principal?.method === 'api_key') this.success(principal);
  else this.error(unauthorized(ErrorCode.InvalidApiKey, 'Invalid API key'));
}

/**
 * Fake Passport strategies under the real names, so the real AuthenticationGuard picks and maps
 * them exactly as it does the production ones: a `test:` bearer is a JWT, an `argus_test_` key an
 * API key, each standing for the Principal it was issued for (`ControllerContext.as`).
 */
function registerFakeStrategies(): void {
  passport.use(JWT_STRATEGY, {
    authenticate(this: StrategyThis, request: RequestHeaders) {
      const token = bearerOf(request);
      if (token === undefined) return this.fail(jwtFailure('Error', 'No auth token'), 401);
      const principal = callers.get(token);
      if (principal?.method === 'jwt') return this.success(principal);
      this.fail(jwtFailure('JsonWebTokenError', 'invalid signature'), 401);
    },
  });
  passport.use(API_KEY_HEADER_STRATEGY, {
    authenticate(this: StrategyThis, request: RequestHeaders) {
      const header = request.headers['x-api-key'];
      keyPrincipal.call(this, Array.isArray(header) ? header[0] : header);
    },
  });
  passport.use(API_KEY_BEARER_STRATEGY, {
    authenticate(this: StrategyThis, request: RequestHeaders) {
      keyPrincipal.call(this, bearerOf(request));
    },
  });
}

/**
 * Organisations, memberships and projects for the OrganizationAccessGuard, in memory: its two
 * collaborators (the membership look-up and the project row) read from here.
 */
export class FakeOrganizations {
  private readonly organizations = new Set<string>();
  private readonly roles = new Map<string, OrganizationRole>();
  private readonly projects = new Map<string, string>();

  readonly memberships: Pick<MembershipAccessService, 'roleOf'> = {
    roleOf: (organizationId, userId, userRole) => {
      // As the real service: platform admins act as owners of every organisation that exists.
      if (userRole === 'admin') return Promise.resolve(this.organizations.has(organizationId) ? 'owner' : null);
      return Promise.resolve(this.roles.get(`${organizationId}:${userId}`) ?? null);
    },
  };

  readonly projectRows: Pick<ProjectRepository, 'organizationOf'> = {
    organizationOf: (id) => Promise.resolve(this.projects.get(id) ?? null),
  };

  addMember(organizationId: string, userId: string, role: OrganizationRole): this {
    this.organizations.add(organizationId);
    this.roles.set(`${organizationId}:${userId}`, role);
    return this;
  }

  addProject(projectId: string, organizationId: string): this {
    this.organizations.add(organizationId);
    this.projects.set(projectId, organizationId);
    return this;
  }

  clear(): void {
    this.organizations.clear();
    this.roles.clear();
    this.projects.clear();
  }
}

/** A service double: every method a `jest.fn` that fails the test unless the test gave it an answer. */
export type ServiceMock<T> = jest.Mocked<T> & { resetAllMocks(): void };

/** Nest calls these itself; a double has no state to set up or tear down. */
const LIFECYCLE_HOOKS = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

/** A class's public face: two services' intersection stays usable even when both have private members. */
export type PublicOf<T> = { [K in keyof T]: T[K] };

export function mockService<T extends object>(type: Type<T>): ServiceMock<T> {
  return mockServices<T>(type);
}

/**
 * One strict double standing in for every service a controller injects (`provide` each with it), so
 * `callsTo` and `resetAllMocks` see them all. `T` is their intersection, given by the caller.
 */
export function mockServices<T extends object>(...types: Array<Type<object>>): ServiceMock<T> {
  const methods = new Map<string, jest.Mock>();
  const strict = (name: string) => () => {
    throw new Error(`${types.map((type) => type.name).join('/')}.${name} was called without an answer from the test`);
  };
  for (const type of types)
    for (let proto: object | null = type.prototype as object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, name);
        if (name === 'constructor' || LIFECYCLE_HOOKS.has(name) || methods.has(name) || typeof descriptor?.value !== 'function') continue;
        methods.set(name, jest.fn(strict(name)));
      }
    }
  const mock = Object.fromEntries(methods) as Record<string, unknown>;
  mock.resetAllMocks = () => {
    for (const [name, fn] of methods) fn.mockReset().mockImplementation(strict(name));
  };
  return mock as ServiceMock<T>;
}

/** Limits far above what a spec sends, so only a spec that sets its own meets a 429. */
const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_ANONYMOUS: '1000000/1h',
  RATE_LIMIT_ANONYMOUS_BURST: '1000000/1s',
  RATE_LIMIT_API_KEY: '1000000/1m',
  RATE_LIMIT_JWT: '1000000/1m',
  RATE_LIMIT_REGISTER: '1000000/1h',
};

/** The configuration the controller tier runs with: test defaults, generous limits, then `env`. */
export function controllerTestConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'controller-spec-secret-'.padEnd(48, 'x'), ...GENEROUS_LIMITS, ...env });
}

export interface ControllerSetupOptions {
  /** Configuration variables over the test defaults (generous rate limits). */
  env?: Record<string, string>;
}

export interface ControllerContext {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly organizations: FakeOrganizations;
  /** Every route Fastify serves, as `METHOD /path` (the HEAD twins of GET routes left out). */
  readonly routes: string[];
  /** The headers of a credential standing for `principal`: a `Bearer test:` JWT, or an `X-API-Key` for a key. */
  as(principal: Principal, via?: 'header' | 'bearer'): Record<string, string>;
  request(method: string, url: string, options?: InjectOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

let issued = 0;

/**
 * Boots `controllers` as the application would serve them. `providers` fake what the controllers
 * inject (`{ provide: SomeService, useValue: mockService(SomeService) }`). The global guards,
 * filter and pipe are the AppModule's own providers, so their order cannot drift from production;
 * the guards' collaborators are faked here: Passport strategies, memberships and projects. The
 * rate limiter is the real one on its in-process store.
 */
export async function controllerSetup(
  controllers: Type | Type[],
  providers: Provider[],
  options: ControllerSetupOptions = {},
): Promise<ControllerContext> {
  registerFakeStrategies();
  const config = controllerTestConfig(options.env);
  const clock = new Clock();
  const organizations = new FakeOrganizations();
  const root = AppModule.forRoot(config, { clock, logger: pino({ level: 'silent' }) });

  const moduleRef = await Test.createTestingModule({
    controllers: Array.isArray(controllers) ? controllers : [controllers],
    providers: [
      ...configProviders(config),
      { provide: Clock, useValue: clock },
      RateLimitService,
      AuthenticationGuard,
      // No cookie credential in this tier: a request that sends one meets the real guard's 401.
      {
        provide: SessionsService,
        useValue: { authenticate: () => Promise.reject(unauthorized(ErrorCode.InvalidToken, 'Invalid session')) },
      },
      RateLimitGuard,
      OrganizationAccessGuard,
      { provide: MembershipAccessService, useValue: organizations.memberships },
      { provide: ProjectRepository, useValue: organizations.projectRows },
      // REQUIRE_MFA_FOR_ADMINS (off unless a spec sets it): in this tier no admin has two-factor.
      AdminMfaGuard,
      { provide: UserAccessService, useValue: { get: () => Promise.resolve(null) } },
      ...(root.providers ?? []),
      ...providers,
    ],
  }).compile();

  // The adapter options and hooks of createApp (src/app.factory.ts) that shape a response's
  // status and body; logging, security headers and caching headers are the e2e tier's to prove.
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logger: false,
    return503OnClosing: true,
  });
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  app.setGlobalPrefix(...apiPrefix());
  const fastify = app.getHttpAdapter().getInstance();
  const routes: string[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  fastify.removeContentTypeParser('text/plain');
  registerApiInputRules(fastify);
  await registerSessionPlugins(fastify, config.jwt.secret);
  fastify.addHook('preSerialization', (request, _reply, payload, done) => {
    done(null, request.url.startsWith('/api/') ? toSuccessBody(payload) : payload);
  });
  await app.init();
  await fastify.ready();

  return {
    app,
    config,
    organizations,
    routes,
    as(principal, via = 'header'): Record<string, string> {
      issued += 1;
      if (principal.method === 'jwt') {
        const token = `test:${issued}`;
        callers.set(token, principal);
        return { authorization: `Bearer ${token}` };
      }
      const key = `${KEY_PREFIX}test_${issued}`;
      callers.set(key, principal);
      return via === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
    },
    async request(method, url, request = {}) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: request.headers,
        ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}),
        ...(request.body !== undefined ? { payload: request.body as object } : {}),
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
      let body: unknown;
      try {
        body = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, headers: response.headers, body, text: response.body };
    },
    close: () => app.close(),
  };
}

/** The contract's error envelope (SPEC §3) with `code`; `extra` pins further fields (`error`, `details`, `retryAfter`). */
export function errorBody(code: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { success: false, error: expect.any(String), code, requestId: expect.any(String), ...extra };
}

/** The methods of a service double that were called: a spec expects `[]` where the guards or pipes must stop a request. */
export function callsTo(mock: object): string[] {
  return Object.entries(mock)
    .filter(([, fn]) => jest.isMockFunction(fn) && fn.mock.calls.length > 0)
    .map(([name]) => name);
}

/** What the `@Audit()` context of a request from `principal` holds (from 127.0.0.1, Light My Request's agent). */
export function auditOf(principal: Principal): Record<string, unknown> {
  return {
    actorType: principal.method === 'api_key' ? 'api_key' : 'user',
    actorId: principal.userId,
    actorKeyId: principal.keyId ?? null,
    ip: '127.0.0.1',
    userAgent: 'lightMyRequest',
    requestId: expect.any(String),
  };
}
