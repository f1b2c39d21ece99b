import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY, JWT_SECURITY, OAUTH_SECURITY, SESSION_SECURITY } from './security-schemes';
import { ErrorResponseDto } from './error-response.dto';
import { addUniversalErrors } from './universal-errors';

export interface OpenApiOptions {
  /** Every scope an OAuth client may ask for, with what it means: the OAuth2 scheme's flows list them. */
  oauthScopes: Record<string, string>;
}

/**
 * The OAuth2 scheme: Swagger UI's Authorize button runs the client-credentials flow (a machine
 * application's ID and secret) or the authorization-code flow with PKCE (an application that
 * registered `<ARGUS_PUBLIC_URL>/docs/oauth2-redirect.html` as a redirect URI). The URLs are
 * relative, so they resolve against the host the explorer was opened on.
 */
function oauth2Scheme(scopes: Record<string, string>): Parameters<DocumentBuilder['addOAuth2']>[0] {
  return {
    type: 'oauth2',
    description:
      'An OAuth 2.0 access token from Argus itself (`/oauth/token`): register an application with POST /api/oauth/applications. Discovery: `/.well-known/openid-configuration`.',
    flows: {
      clientCredentials: { tokenUrl: '/oauth/token', scopes },
      authorizationCode: {
        authorizationUrl: '/oauth/authorize',
        tokenUrl: '/oauth/token',
        refreshUrl: '/oauth/token',
        scopes: { openid: 'Sign in: your user ID', profile: 'Your name', email: 'Your email address', ...scopes },
      },
    },
  };
}

export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Argus')
    .setDescription(
      [
        'Self-hostable authentication and API keys.',
        '',
        'Authenticate with a JWT from `POST /api/auth/login` (`Authorization: Bearer <jwt>`) or with an API key',
        '(`X-API-Key: argus_…` or `Authorization: Bearer argus_…`), with an OAuth 2.0 access token from `/oauth/token` (`Authorization: Bearer <token>`), or from a browser with the session cookie of',
        '`POST /api/auth/sessions`, whose state-changing requests also send `X-CSRF-Token`. Every route requires one unless marked otherwise.',
        '',
        'Success: `{ success: true, data, message?, meta? }`. Errors: `{ success: false, error, code, requestId, details? }`.',
        'Routes list the scopes an API key needs in `x-required-scopes`; JWT callers hold the scopes of their role.',
      ].join('\n'),
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/auth/login' }, JWT_SECURITY)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An Argus API key (argus_…)' }, API_KEY_SECURITY)
    .addCookieAuth(
      '__Host-argus_session',
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'A browser session from POST /api/auth/sessions (`argus_session` on plain-http hosts). POST, PUT, PATCH and DELETE also need `X-CSRF-Token`, else 403 csrf_invalid.',
      },
      SESSION_SECURITY,
    )
    .addOAuth2(oauth2Scheme(options.oauthScopes), OAUTH_SECURITY)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ErrorResponseDto],
  });
  return addUniversalErrors(document);
}

/** The explorer at /docs and the JSON at /docs-json, outside the /api prefix and its guard. */
export function setupSwagger(app: INestApplication, options: OpenApiOptions): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, options), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Argus API',
    // PKCE for the authorization-code flow; the redirect page is swagger-ui-dist's own, served beside the explorer.
    swaggerOptions: { persistAuthorization: false, initOAuth: { usePkceWithAuthorizationCodeGrant: true } },
  });
}
