import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY, JWT_SECURITY, SESSION_SECURITY } from './security-schemes';
import { ErrorResponseDto } from './error-response.dto';
import { addUniversalErrors } from './universal-errors';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Argus')
    .setDescription(
      [
        'Self-hostable authentication and API keys.',
        '',
        'Authenticate with a JWT from `POST /api/auth/login` (`Authorization: Bearer <jwt>`) or with an API key',
        '(`X-API-Key: argus_…` or `Authorization: Bearer argus_…`), or from a browser with the session cookie of',
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
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ErrorResponseDto],
  });
  return addUniversalErrors(document);
}

/** The explorer at /docs and the JSON at /docs-json, outside the /api prefix and its guard. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Argus API',
    swaggerOptions: { persistAuthorization: false },
  });
}
