import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, AppOptions } from './app.module';
import { registerApiInputRules } from './core/http/api-input-rules';
import { toSuccessBody } from './core/http/envelope';
import { requestIdFor } from './core/http/request-id';
import { dashboardHeadersFor, securityHeaderSets, securityHeadersFor } from './core/http/security-headers';
import { registerWebApp } from './core/http/web-app';
import { createRootLogger, registerRequestLogging } from './core/logging/logging';
import { setupSwagger } from './core/openapi/swagger';
import { AppConfig } from './app.config';
import { ensureJwtSecret } from './auth/jwt-secret-file';
import { registerSessionPlugins } from './auth/sessions/csrf';
import { apiPrefix } from './core/http/api-prefix';
import { everyScope } from './access/scopes';
import { mountOAuthProvider } from './oauth/provider/provider-mount';
import { OidcProviderHost } from './oauth/provider/oidc-provider.host';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { OAuthApplicationAccess } from './oauth/tokens/application-access';
import { sessionTokenOf } from './auth/sessions/session-cookie';
import { SessionsService } from './auth/sessions/sessions.service';
import { auditContextOf } from './events/audit-context';
import { clientCertificateHook, clientCertificateSettings } from './core/net/client-certificate';
import { httpsOptions } from './core/net/https-options';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions extends AppOptions {
  /** The built dashboard to serve (default dist/web, where `npm run build` puts it); false: none. */
  webRoot?: string | false;
}

function scopeDescription(scope: string): string {
  if (scope === 'admin:all') return 'Everything (admins only)';
  const [action, resource] = scope.split(':');
  return resource === '*' ? `${action} on every resource` : `${action} ${resource}`;
}

/** Builds the whole application exactly as it runs, for `main.ts` and for the tests alike. */
export async function createApp(loaded: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // main.ts has resolved it already (before taking the data folder); tests and embedders may not have.
  const config = ensureJwtSecret(loaded);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logger: false,
    return503OnClosing: true,
    ...httpsOptions(config.tls),
  });
  const logger = options.logger ?? createRootLogger(config, options.logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, { ...options, logger }), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.setGlobalPrefix(...apiPrefix());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only: any other body is 415 rather than a string that fails validation.
  fastify.removeContentTypeParser('text/plain');
  registerApiInputRules(fastify);
  // Every request, TLS or not: a proxy's CLIENT_CERT_HEADER is read only from a TRUST_PROXY peer.
  fastify.addHook(
    'onRequest',
    clientCertificateHook(
      clientCertificateSettings({ trustProxy: config.trustProxy, header: config.clientCertHeader, clientCa: config.tls.clientCa }),
    ),
  );
  registerRequestLogging(fastify, logger);
  await registerSessionPlugins(fastify, config.jwt.secret);
  const headers = securityHeaderSets();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeadersFor(headers, request.protocol));
    reply.header('X-Request-ID', request.id);
    done();
  });
  // Handlers return plain data; the contract's envelope is added here, once, for /api routes only
  // (a hook, not a Nest interceptor: an interceptor costs an async-context bind per request).
  fastify.addHook('preSerialization', (request, _reply, payload, done) => {
    done(null, request.url.startsWith('/api/') ? toSuccessBody(payload) : payload);
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // Authenticated API responses carry tokens, keys or private data: no cache may keep them.
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
    done(null, payload);
  });
  if (options.webRoot !== false) {
    const served = registerWebApp(fastify, {
      root: options.webRoot,
      documentHeaders: (request) => dashboardHeadersFor(headers, request.protocol),
    });
    if (!served) logger.warn('The dashboard is not built (npm run build): / answers 404');
  }
  mountOAuthProvider(fastify, {
    host: app.get(OidcProviderHost),
    limits: app.get(RateLimitService),
    applications: app.get(OAuthApplicationAccess),
    endBrowserSession: async (request, accountId) => {
      const token = sessionTokenOf(request);
      if (!token) return;
      const sessions = app.get(SessionsService);
      const principal = await sessions.authenticate(token);
      if (principal.userId !== accountId) return;
      await sessions.revoke(principal, principal.sessionId!, { ...auditContextOf(request), actorType: 'user', actorId: principal.userId });
    },
  });
  setupSwagger(app, { oauthScopes: Object.fromEntries(everyScope().map((scope) => [scope, scopeDescription(scope)])) });
  await app.init();
  await fastify.ready();
  return app;
}
