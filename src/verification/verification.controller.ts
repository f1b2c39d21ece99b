import { Body, Controller, Get, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { Scope, isKnownScope, missingScopes } from '../access/scopes';
import { insufficientScope, validationFailed } from '../core/errors/app.exception';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { VerifyKeyDto, VerifyKeyResultDto } from './dto/verify-key.dto';
import { KeyVerificationService } from './key-verification.service';

export const VERIFY_SCOPE = 'execute:keys' satisfies Scope;

@ApiTags('verification')
@Controller('v1')
export class VerificationController {
  constructor(private readonly verification: KeyVerificationService) {}

  @Post('keys/verify')
  @RequireScopes(VERIFY_SCOPE)
  @ApiOperation({
    summary: 'Verify a key or an OAuth access token for another service',
    description:
      'Send `{ key }` or `{ token }` (an OAuth access token), exactly one. ' +
      'Always 200 with a `code`, checked in this order: NOT_FOUND, REVOKED, EXPIRED, INACTIVE, ' +
      'CERTIFICATE_REQUIRED (the key is bound to a client certificate and `certificateThumbprint` is missing or another), FORBIDDEN_BY_POLICY (the key’s IP allowlist ' +
      'does not admit `ip`), INSUFFICIENT_SCOPE, RATE_LIMITED, else VALID. Counts `cost` units against the key’s own limit. ' +
      'A token: EXPIRED, else NOT_FOUND when it does not verify, REVOKED (its jti, grant or application), INACTIVE (its user or the application’s owner), ' +
      'then scopes and the client’s limit (kind oauth); `clientId` names its application. ' +
      'The caller needs `execute:keys`; it sees its own user’s keys inside its own binding, or any key with an unbound `admin:all` credential.',
  })
  @ApiEnvelope(VerifyKeyResultDto)
  @ApiErrors(400)
  verifyKey(@CurrentPrincipal() caller: Principal, @Body() dto: VerifyKeyDto): Promise<VerifyKeyResultDto> {
    return this.verification.verifyKey(caller, dto);
  }

  @Get('forward-auth')
  @Authenticated()
  @ApiOperation({
    summary: 'Gateway sub-request (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz)',
    description:
      'Authenticates the original request’s `X-API-Key` or `Authorization` header (a key, a JWT or an OAuth access token) like any route (401, 429 with its codes and headers), ' +
      'checks `?scopes=` (400 for an unknown scope, 403 insufficient_scope; 403 access_denied_by_policy for a key outside its allowedIps; ' +
      '401 certificate_required for a key bound to a client certificate the gateway did not forward in CLIENT_CERT_HEADER), and answers 200 with `X-Argus-Key-Id`, `X-Argus-User-Id` and `X-Argus-Scopes` ' +
      '(and `X-Argus-Organization-Id` / `X-Argus-Project-Id` for a bound key, `X-Argus-Client-Id` for an OAuth access token).',
  })
  @ApiQuery({ name: 'scopes', required: false, description: 'Comma-separated scopes the request needs', example: 'read:projects' })
  @ApiErrors(400)
  @ApiResponse({
    status: HttpStatus.OK,
    description: 'Allowed',
    headers: {
      'X-Argus-Key-Id': { description: 'The key’s id (absent for a JWT)', schema: { type: 'string' } },
      'X-Argus-Client-Id': { description: 'The OAuth application of an access token (absent otherwise)', schema: { type: 'string' } },
      'X-Argus-User-Id': { description: 'The caller’s user id', schema: { type: 'string' } },
      'X-Argus-Scopes': { description: 'The caller’s effective scopes, comma-separated', schema: { type: 'string' } },
      'X-Argus-Organization-Id': { description: 'The organization the key is bound to (absent when unbound)', schema: { type: 'string' } },
      'X-Argus-Project-Id': { description: 'The project the key is bound to (absent unless bound to one)', schema: { type: 'string' } },
    },
  })
  forwardAuth(
    @CurrentPrincipal() caller: Principal,
    @Query('scopes') scopes: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): {
    userId: string;
    keyId: string | null;
    clientId: string | null;
    organizationId: string | null;
    projectId: string | null;
    scopes: string[];
  } {
    const required = (scopes ?? '')
      .split(',')
      .map((scope) => scope.trim())
      .filter(Boolean);
    const unknown = required.filter((scope) => !isKnownScope(scope));
    if (unknown.length > 0) throw validationFailed([{ field: 'scopes', messages: [`unknown scopes: ${unknown.join(', ')}`] }]);
    const missing = missingScopes(caller.scopes, required.filter(isKnownScope));
    if (missing.length > 0) throw insufficientScope(missing);

    if (caller.keyId) reply.header('X-Argus-Key-Id', caller.keyId);
    if (caller.clientId) reply.header('X-Argus-Client-Id', caller.clientId);
    reply.header('X-Argus-User-Id', caller.userId);
    reply.header('X-Argus-Scopes', caller.scopes.join(','));
    if (caller.organizationId) reply.header('X-Argus-Organization-Id', caller.organizationId);
    if (caller.projectId) reply.header('X-Argus-Project-Id', caller.projectId);
    return {
      userId: caller.userId,
      keyId: caller.keyId ?? null,
      clientId: caller.clientId ?? null,
      organizationId: caller.organizationId,
      projectId: caller.projectId,
      scopes: caller.scopes,
    };
  }
}
