import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentPrincipal } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { ConfirmPasswordDto } from '../auth/account/account.dto';
import { PERSON_ONLY_NOTE } from '../auth/account/person';
import { deviceTokensOf } from '../auth/device-token';
import { clearCsrfCookie } from '../auth/sessions/csrf';
import { clearSessionCookies } from '../auth/sessions/session-cookie';
import { ApiErrors } from '../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../events/audit-context';
import { ReducesAccess } from '../rate-limit/rate-limit.decorators';
import { AccountDeletionService } from './account-deletion.service';
import { AccountExportService, EXPORT_LIMITS } from './account-export.service';
import { AccountExportDto } from './dto/account-export.dto';

@ApiTags('account')
@Controller('auth')
export class AccountController {
  constructor(
    private readonly exports: AccountExportService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Get('me/export')
  @Authenticated()
  @ApiOperation({
    summary: 'Download what Argus holds about you (JSON)',
    description: `A file (\`Content-Disposition: attachment\`), not the API envelope: profile, API keys (prefixes, never keys or hashes), organisations and memberships, projects, webhook endpoints (never signing secrets), live sessions (never tokens) and the audit events about you. Each section holds at most ${EXPORT_LIMITS.apiKeys} entries (audit events ${EXPORT_LIMITS.auditEvents}, newest first); a section cut there is named in \`truncated\`. Audited (\`user.data_exported\`). ${PERSON_ONLY_NOTE}`,
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ type: AccountExportDto, description: 'The export file' })
  async exportAccount(
    @CurrentPrincipal() caller: Principal,
    @Audit() audit: AuditContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const exported = await this.exports.export(caller, audit);
    reply.header('Content-Type', 'application/json; charset=utf-8');
    reply.header('Content-Disposition', `attachment; filename="argus-account-${exported.exportedAt.slice(0, 10)}.json"`);
    reply.header('Cache-Control', 'no-store');
    // A string, so the envelope is not applied: the file is the export itself.
    return JSON.stringify(exported, null, 2);
  }

  @Delete('me')
  @ReducesAccess()
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete your account',
    description: `Confirm with your password (wrong: 403 \`invalid_credentials\`, under the login limits). Every key you own is revoked (audited; it answers 401 from the next request on, on every instance), then the account is removed with its sessions, refresh tokens, memberships and webhook endpoints; a \`user.deleted\` event keeps the account id only. Refused with 409 \`sole_owner\` (and \`organizations: [{ id, name }]\`) while you are the only owner of an organisation: make another member an owner, or delete it, first. The last active admin cannot delete their account (409 \`conflict\`). The browser session's cookies are cleared. ${PERSON_ONLY_NOTE}`,
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 409)
  async deleteAccount(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: ConfirmPasswordDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.deletion.deleteAccount(caller, dto, { ip: request.ip, deviceTokens: deviceTokensOf(request) }, audit);
    if (caller.method === 'session') {
      clearSessionCookies(request, reply);
      clearCsrfCookie(request, reply);
    }
  }
}
