import { TestApp } from '../support/test-app';

type Operation = {
  operationId: string;
  requestBody?: unknown;
  parameters?: Array<{ name: string; in: string; schema?: { type?: string; maximum?: number } }>;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
  'x-required-scopes'?: string[];
  'x-required-roles'?: string[];
};

const PUBLIC = new Set([
  'register',
  'login',
  'refresh',
  'logout',
  'readiness',
  'liveness',
  'createSession',
  'authOptions',
  'loginMfa',
  'createSessionMfa',
]);

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let operations: Array<{ method: string; path: string; op: Operation }>;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

  beforeAll(async () => {
    t = await TestApp.start();
    doc = (await t.get('/docs-json')).body;
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
  });
  afterAll(() => t.close());

  it('documents every route the server serves', () => {
    const documented = operations.map(({ method, path }) => `${method} ${path}`).sort();
    expect(documented).toEqual(
      [
        'DELETE /api/admin/api-keys/{id}',
        'DELETE /api/keys/{id}',
        'DELETE /api/oauth/applications/{id}',
        'DELETE /api/oauth/consents/{clientId}',
        'GET /api/oauth/consents',
        'GET /api/oauth/applications',
        'GET /api/oauth/applications/{id}',
        'PATCH /api/oauth/applications/{id}',
        'POST /api/oauth/applications',
        'POST /api/oauth/applications/{id}/rotate-secret',
        'DELETE /api/webhooks/{id}',
        'DELETE /api/v1/organizations/{id}',
        'DELETE /api/v1/organizations/{id}/members/{userId}',
        'DELETE /api/v1/organizations/{id}/keys/{keyId}',
        'GET /api/v1/organizations/{id}/keys',
        'DELETE /api/v1/projects/{id}',
        'GET /api/v1/organizations',
        'GET /api/v1/organizations/{id}',
        'GET /api/v1/organizations/{id}/members',
        'GET /api/v1/projects',
        'GET /api/v1/projects/{id}',
        'PATCH /api/v1/organizations/{id}',
        'PATCH /api/v1/organizations/{id}/members/{userId}',
        'PATCH /api/v1/projects/{id}',
        'POST /api/v1/organizations',
        'POST /api/v1/organizations/{id}/leave',
        'POST /api/v1/organizations/{id}/members',
        'POST /api/v1/projects',
        'GET /api/webhooks',
        'GET /api/webhooks/{id}',
        'GET /api/webhooks/{id}/deliveries',
        'PATCH /api/webhooks/{id}',
        'POST /api/webhooks',
        'POST /api/webhooks/{id}/deliveries/redeliver',
        'POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver',
        'POST /api/webhooks/{id}/test',
        'GET /api/admin/api-keys',
        'GET /api/admin/signing-keys',
        'POST /api/admin/signing-keys/rotate',
        'GET /api/admin/audit-events',
        'GET /api/admin/users',
        'GET /api/auth/verify',
        'GET /api/auth/me',
        'GET /api/auth/options',
        'GET /api/auth/csrf',
        'GET /api/auth/sessions',
        'POST /api/auth/sessions',
        'DELETE /api/auth/sessions',
        'DELETE /api/auth/sessions/{id}',
        'DELETE /api/auth/session',
        'PATCH /api/auth/me',
        'POST /api/auth/password',
        'GET /api/auth/me/export',
        'DELETE /api/auth/me',
        'GET /api/auth/mfa',
        'POST /api/auth/mfa/totp',
        'POST /api/auth/mfa/totp/confirm',
        'POST /api/auth/mfa/recovery-codes',
        'DELETE /api/auth/mfa',
        'POST /api/auth/login/mfa',
        'POST /api/auth/sessions/mfa',
        'DELETE /api/admin/users/{id}/mfa',
        'GET /api/health',
        'GET /api/health/live',
        'GET /api/keys',
        'GET /api/keys/{id}',
        'GET /api/keys/{id}/events',
        'GET /api/v1/forward-auth',
        'PATCH /api/admin/users/{id}',
        'PATCH /api/keys/{id}',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'POST /api/auth/refresh',
        'POST /api/auth/register',
        'POST /api/keys',
        'POST /api/keys/{id}/reveal',
        'POST /api/keys/{id}/rotate',
        'POST /api/v1/keys/verify',
        'PUT /api/admin/api-keys/{id}',
      ].sort(),
    );
  });

  it('declares the three security schemes', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      jwt: { type: 'http', scheme: 'bearer' },
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      session: { type: 'apiKey', in: 'cookie', name: '__Host-argus_session' },
    });
  });

  it('declares an OAuth2 scheme whose flows Swagger UI runs: client credentials, and authorization code with PKCE', async () => {
    const oauth = doc.components.securitySchemes.oauth2 as {
      type: string;
      flows: Record<string, { tokenUrl: string; authorizationUrl?: string; scopes: Record<string, string> }>;
    };
    expect(oauth.type).toBe('oauth2');
    expect(oauth.flows.clientCredentials.tokenUrl).toBe('/oauth/token');
    expect(oauth.flows.authorizationCode).toMatchObject({ authorizationUrl: '/oauth/authorize', tokenUrl: '/oauth/token' });
    expect(oauth.flows.clientCredentials.scopes).toMatchObject({ 'read:keys': 'read keys', 'admin:all': expect.any(String) });
    expect(oauth.flows.clientCredentials.scopes).not.toHaveProperty('openid');
    expect(oauth.flows.authorizationCode.scopes).toHaveProperty('openid');
    // The route's own scopes are the OAuth2 requirement, so Authorize asks for what the route needs.
    const createKey = operations.find(({ op }) => op.operationId === 'createKey')!.op;
    expect(createKey.security).toEqual(expect.arrayContaining([{ oauth2: ['write:keys'] }]));
    // PKCE is on, and the redirect page the flow returns to is served beside the explorer (no inline script).
    const init = await t.get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('usePkceWithAuthorizationCodeGrant');
    const redirect = await t.get('/docs/oauth2-redirect.html');
    expect(redirect.status).toBe(200);
    expect(redirect.text).toContain('<script src="oauth2-redirect.js">');
  });

  it('gives every protected operation its security and a 401, and public ones neither', () => {
    for (const { op } of operations) {
      if (PUBLIC.has(op.operationId)) {
        expect(op.security ?? []).toEqual([]);
        continue;
      }
      expect(op.security).toEqual(expect.arrayContaining([{ jwt: [] }, { 'api-key': [] }, { session: [] }]));
      expect(op.responses).toHaveProperty('401');
    }
  });

  it('shows the roles and scopes each guarded route enforces, with its 403', () => {
    const byId = Object.fromEntries(operations.map(({ op }) => [op.operationId, op]));
    expect(byId.createKey['x-required-scopes']).toEqual(['write:keys']);
    expect(byId.listKeys['x-required-scopes']).toEqual(['read:keys']);
    expect(byId.revokeKey['x-required-scopes']).toEqual(['delete:keys']);
    expect(byId.revealKey['x-required-scopes']).toEqual(['write:keys']);
    expect(byId.verifyKey['x-required-scopes']).toEqual(['execute:keys']);
    expect(byId.listSessions['x-required-scopes']).toEqual(['read:sessions']);
    expect(byId.revokeSession['x-required-scopes']).toEqual(['delete:sessions']);
    expect(byId.revokeAllSessions['x-required-scopes']).toEqual(['delete:sessions']);
    expect(byId.sendTestEvent['x-required-scopes']).toEqual(['write:webhooks']);
    expect(byId.mfaStatus['x-required-scopes']).toEqual(['read:mfa']);
    expect(byId.startTotp['x-required-scopes']).toEqual(['write:mfa']);
    expect(byId.confirmTotp['x-required-scopes']).toEqual(['write:mfa']);
    expect(byId.regenerateRecoveryCodes['x-required-scopes']).toEqual(['write:mfa']);
    expect(byId.disableMfa['x-required-scopes']).toEqual(['delete:mfa']);
    for (const { path, op } of operations.filter(({ path }) => path.startsWith('/api/admin'))) {
      expect([path, op['x-required-roles']]).toEqual([path, ['admin']]);
      expect(op.responses).toHaveProperty('403');
    }
  });

  it('gives every operation a 500, and every one with a body its 400 and 415, in the error shape', () => {
    const errorShape = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } };
    const withBody = operations.filter(({ op }) => op.requestBody);
    expect(withBody.length).toBeGreaterThan(15);
    for (const { method, path, op } of operations) {
      expect([method, path, op.responses['500']?.content]).toEqual([method, path, errorShape]);
      expect(op.responses['500'].description).toContain('internal_error');
    }
    for (const { method, path, op } of withBody) {
      expect([method, path, Object.keys(op.responses)]).toEqual([method, path, expect.arrayContaining(['400', '415'])]);
      expect(op.responses['415'].description).toContain('unsupported_media_type');
    }
  });

  it('documents the 403 every guarded route can give, including access_denied_by_policy', () => {
    for (const { op } of operations.filter(({ op }) => !PUBLIC.has(op.operationId))) {
      expect([op.operationId, op.responses['403']?.description]).toEqual([
        op.operationId,
        expect.stringContaining('access_denied_by_policy'),
      ]);
    }
    const byId = Object.fromEntries(operations.map(({ op }) => [op.operationId, op]));
    expect(Object.keys(byId.verify.responses)).toEqual(expect.arrayContaining(['401', '403', '429', '500']));
    expect(Object.keys(byId.forwardAuth.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429', '500']));
  });

  it('bounds every numeric query parameter', () => {
    const numeric = operations.flatMap(({ path, op }) =>
      (op.parameters ?? [])
        .filter((parameter) => parameter.in === 'query' && ['integer', 'number'].includes(parameter.schema?.type ?? ''))
        .map((parameter) => ({ path, name: parameter.name, maximum: parameter.schema?.maximum })),
    );
    expect(numeric.map(({ name }) => name)).toEqual(expect.arrayContaining(['page', 'limit']));
    for (const parameter of numeric) expect(parameter).toEqual({ ...parameter, maximum: expect.any(Number) });
  });

  it('lists webhook.test among the event types a delivery carries, but not among those an endpoint subscribes to', () => {
    const schemas = (doc.components as unknown as { schemas: unknown }).schemas as Record<
      string,
      { properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }> }
    >;
    expect(schemas.WebhookDeliveryDto.properties.eventType.enum).toContain('webhook.test');
    expect(schemas.CreateWebhookDto.properties.events.items?.enum).not.toContain('webhook.test');
    expect(schemas.CreateWebhookDto.properties.events.items?.enum).toContain('key.created');
  });

  it('documents a success response and unique operation ids', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) {
      expect(Object.keys(op.responses).some((status) => status.startsWith('2'))).toBe(true);
    }
  });
});
