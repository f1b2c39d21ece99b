import { Body, Controller, Header, HttpCode, HttpStatus, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScopes } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { Audit, AuditContext } from '../../events/audit-context';
import { OAuthApplicationsService } from '../applications/oauth-applications.service';
import { registrationResponse, registrationToApplication } from './client-registration';
import { RegistrationErrorFilter } from './registration-error.filter';

/**
 * `POST /oauth/register`: OAuth 2.0 Dynamic Client Registration (RFC 7591), mounted only with
 * OAUTH_DYNAMIC_REGISTRATION=true. The initial access token (RFC 7591 §3) is an Argus credential
 * allowed `write:applications` (a user's access token, an API key, an OAuth token with that scope):
 * the client becomes an application of that user, under every rule of the applications API
 * (redirect URIs, grant sets, scopes within the caller's own), audited and announced the same way.
 * The client is managed afterwards through /api/oauth/applications (RFC 7592's registration access
 * token is not issued).
 */
@ApiExcludeController()
@UseFilters(RegistrationErrorFilter)
@Controller('oauth')
export class ClientRegistrationController {
  constructor(private readonly applications: OAuthApplicationsService) {}

  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @RequireScopes('write:applications')
  async register(
    @CurrentPrincipal() caller: Principal,
    @Body() metadata: Record<string, unknown>,
    @Audit() audit: AuditContext,
  ): Promise<Record<string, unknown>> {
    const application = await this.applications.create(caller, registrationToApplication(metadata), audit, { dynamicallyRegistered: true });
    return registrationResponse(application);
  }
}
