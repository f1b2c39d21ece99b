import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, validationFailed } from '../../core/errors/app.exception';
import { toFieldErrors } from '../../core/errors/validation';
import { CreateApplicationDto, CreatedApplicationResponseDto } from '../applications/dto/application.dto';

/** Argus's field names for the RFC 7591 client metadata it understands (the applications API's). */
export const REGISTRATION_FIELDS: Readonly<Record<string, string>> = {
  name: 'client_name',
  grantTypes: 'grant_types',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  scopes: 'scope',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  jwks: 'jwks',
  tlsClientAuthSubjectDn: 'tls_client_auth_subject_dn',
};

/** The name a client that sent no `client_name` is listed under. */
export const UNNAMED_CLIENT = 'Unnamed client';

/**
 * An RFC 7591 registration request as the applications API's create body. Defaults are the
 * RFC's (`grant_types` ["authorization_code"], `token_endpoint_auth_method` client_secret_basic);
 * `scope` defaults to `openid` for a code-flow client and to nothing for a machine. Metadata Argus
 * does not use (contacts, logo_uri, software_id…) is ignored, as §2 requires; `jwks_uri` and
 * `response_types` other than what the grants imply are refused. Throws a 400 naming each field.
 */
export function registrationToApplication(body: unknown): CreateApplicationDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed([{ field: 'body', messages: ['must be a JSON object of client metadata (RFC 7591)'] }]);
  }
  const metadata = body as Record<string, unknown>;
  const problems: FieldError[] = [];
  const grantTypes = metadata.grant_types ?? ['authorization_code'];
  const codeFlow = Array.isArray(grantTypes) && grantTypes.includes('authorization_code');
  let scopes: unknown = codeFlow ? ['openid'] : [];
  if (metadata.scope !== undefined) {
    if (typeof metadata.scope === 'string') scopes = metadata.scope.split(' ').filter(Boolean);
    else problems.push({ field: 'scope', messages: ['must be a string of space-separated scopes'] });
  }
  if (metadata.jwks_uri !== undefined) {
    problems.push({ field: 'jwks_uri', messages: ['is not supported: send the public keys as jwks'] });
  }
  const responseTypes = metadata.response_types;
  if (responseTypes !== undefined) {
    const expected = codeFlow ? ['code'] : [];
    if (!Array.isArray(responseTypes) || responseTypes.join(' ') !== expected.join(' ')) {
      problems.push({ field: 'response_types', messages: [`must be ${JSON.stringify(expected)} for these grant_types`] });
    }
  }
  const plain = Object.fromEntries(
    Object.entries({
      name: metadata.client_name ?? UNNAMED_CLIENT,
      grantTypes,
      redirectUris: metadata.redirect_uris,
      postLogoutRedirectUris: metadata.post_logout_redirect_uris,
      scopes,
      tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
      jwks: metadata.jwks,
      tlsClientAuthSubjectDn: metadata.tls_client_auth_subject_dn,
    }).filter(([, value]) => value !== undefined),
  );
  const dto = plainToInstance(CreateApplicationDto, plain);
  problems.push(...toFieldErrors(validateSync(dto, { whitelist: true, forbidUnknownValues: true })));
  if (problems.length > 0) throw validationFailed(problems);
  return dto;
}

/** The registered client as RFC 7591 §3.2.1 answers it: its id, its secret (this once), and its metadata. */
export function registrationResponse(application: CreatedApplicationResponseDto): Record<string, unknown> {
  const codeFlow = application.grantTypes.includes('authorization_code');
  return {
    client_id: application.clientId,
    ...(application.clientSecret ? { client_secret: application.clientSecret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(Date.parse(application.createdAt) / 1000),
    client_name: application.name,
    grant_types: application.grantTypes,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: application.redirectUris,
    post_logout_redirect_uris: application.postLogoutRedirectUris,
    token_endpoint_auth_method: application.tokenEndpointAuthMethod,
    scope: application.scopes.join(' '),
    ...(application.jwks ? { jwks: application.jwks } : {}),
    ...(application.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: application.tlsClientAuthSubjectDn } : {}),
  };
}

/** A field error in RFC 7591's names (`redirectUris.1` → `redirect_uris.1`), its messages too. */
export function registrationFieldError(error: FieldError): FieldError {
  const [head, ...rest] = error.field.split('.');
  const name = REGISTRATION_FIELDS[head];
  if (!name) return error;
  const field = [name, ...rest].join('.');
  return { field, messages: error.messages.map((message) => message.replace(new RegExp(`^${head}\\b`), name)) };
}
