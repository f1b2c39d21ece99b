import { Body, Controller, Delete, Get, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequireScopes } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { Envelope } from '../../core/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../../events/audit-context';
import { deviceTokensOf } from '../device-token';
import { MfaCodeDto, MfaProofDto, MfaStatusDto, RecoveryCodesDto, TotpEnrolmentDto } from './dto/mfa.dto';
import { MfaService } from './mfa.service';

const PROOF_NOTE =
  'Send `password` (the account password) or `code` (a current authenticator code or an unused recovery code). A wrong one answers 403 `invalid_credentials` and spends an attempt of the login limits, as a wrong password at login does.';

@ApiTags('mfa')
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Get()
  @RequireScopes('read:mfa')
  @ApiOperation({ summary: 'Your two-factor status', description: 'Whether TOTP is on, since when, and how many recovery codes are left.' })
  @ApiEnvelope(MfaStatusDto)
  mfaStatus(@CurrentPrincipal() caller: Principal): Promise<MfaStatusDto> {
    return this.mfa.status(caller.userId);
  }

  @Post('totp')
  @RequireScopes('write:mfa')
  @ApiOperation({
    summary: 'Start setting up an authenticator app (TOTP)',
    description:
      'Returns a new secret, its `otpauth://` URI and the URI as a QR code (an SVG data URL). Two-factor is not on until POST /api/auth/mfa/totp/confirm with a code; starting again replaces a pending secret. 409 when two-factor is already on.',
  })
  @ApiEnvelope(TotpEnrolmentDto, { status: HttpStatus.CREATED })
  @ApiErrors(409)
  startTotp(@CurrentPrincipal() caller: Principal): Promise<TotpEnrolmentDto> {
    return this.mfa.startTotp(caller.userId);
  }

  @Post('totp/confirm')
  @RequireScopes('write:mfa')
  @ApiOperation({
    summary: 'Turn two-factor on with the first code from the app',
    description:
      'Returns 10 recovery codes, once (only their hashes are kept). 400 `invalid_mfa_code` for a wrong code; 409 when no set-up is pending or two-factor is already on. Audited as `mfa.enabled`.',
  })
  @ApiEnvelope(RecoveryCodesDto)
  @ApiErrors(400, 409)
  confirmTotp(@CurrentPrincipal() caller: Principal, @Body() dto: MfaCodeDto, @Audit() audit: AuditContext): Promise<RecoveryCodesDto> {
    return this.mfa.confirmTotp(caller.userId, dto.code, audit);
  }

  @Delete()
  @RequireScopes('delete:mfa')
  @ApiOperation({
    summary: 'Turn two-factor off',
    description: `Forgets the secret and the recovery codes (and drops a pending set-up). ${PROOF_NOTE} Sessions and tokens already issued go on. Audited as \`mfa.disabled\`.`,
  })
  @ApiEnvelope(null, { message: 'Two-factor authentication turned off' })
  @ApiErrors(400)
  async disableMfa(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: MfaProofDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
  ): Promise<Envelope<null>> {
    await this.mfa.disable(caller.userId, dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
    return new Envelope(null, 'Two-factor authentication turned off');
  }

  @Post('recovery-codes')
  @RequireScopes('write:mfa')
  @ApiOperation({
    summary: 'Replace your recovery codes',
    description: `Returns 10 new codes, once; every earlier code stops working. ${PROOF_NOTE} 409 when two-factor is off. Audited as \`mfa.recovery_codes_regenerated\`.`,
  })
  @ApiEnvelope(RecoveryCodesDto)
  @ApiErrors(400, 409)
  regenerateRecoveryCodes(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: MfaProofDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
  ): Promise<RecoveryCodesDto> {
    return this.mfa.regenerateRecoveryCodes(caller.userId, dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
  }
}
