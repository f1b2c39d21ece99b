import { Body, Controller, HttpCode, HttpStatus, Patch, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated, CurrentPrincipal } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { ApiEnvelope, ApiErrors } from '../../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../../events/audit-context';
import { ReducesAccess } from '../../rate-limit/rate-limit.decorators';
import { deviceTokensOf } from '../device-token';
import { UserResponseDto } from '../dto/auth-response.dto';
import { ChangePasswordDto, UpdateProfileDto } from './account.dto';
import { AccountSecurityService } from './account-security.service';
import { PERSON_ONLY_NOTE } from './person';

const PASSWORD_CHECK_NOTE =
  'A wrong current password answers 403 `invalid_credentials` (the request itself is authenticated), under the same limits as POST /api/auth/login (429).';

@ApiTags('account')
@Controller('auth')
export class AccountSecurityController {
  constructor(private readonly account: AccountSecurityService) {}

  @Patch('me')
  @Authenticated()
  @ApiOperation({
    summary: 'Change your name or email',
    description: `\`name\` any time (null clears it). \`email\` needs \`currentPassword\` and answers 409 when another account has it; there is no mail round-trip (Argus sends no email), so the password is the proof. ${PASSWORD_CHECK_NOTE} ${PERSON_ONLY_NOTE}`,
  })
  @ApiEnvelope(UserResponseDto)
  @ApiErrors(400, 409)
  updateProfile(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: UpdateProfileDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
  ): Promise<UserResponseDto> {
    return this.account.updateProfile(caller, dto, { ip: request.ip, deviceTokens: deviceTokensOf(request) }, audit);
  }

  @Post('password')
  @ReducesAccess()
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Change your password',
    description: `The new password follows the registration policy (12 to 256 characters) and must differ from the current one. Every other browser session ends and every refresh token is revoked; access JWTs issued before the change are refused from the next request on (401 invalid_token), on every instance. The browser session that asks stays signed in; a JWT caller logs in again with the new password. ${PASSWORD_CHECK_NOTE} ${PERSON_ONLY_NOTE}`,
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiErrors(400)
  async changePassword(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: ChangePasswordDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.account.changePassword(caller, dto, { ip: request.ip, deviceTokens: deviceTokensOf(request) }, audit);
  }
}
