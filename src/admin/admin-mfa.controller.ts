import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/auth.decorators';
import { MfaService } from '../auth/mfa/mfa.service';
import { ParseIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiErrors } from '../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../events/audit-context';

@ApiTags('admin')
@Controller('admin')
@Authenticated({ roles: ['admin'], scopes: ['admin:all'] })
export class AdminMfaController {
  constructor(private readonly mfa: MfaService) {}

  @Delete('users/:id/mfa')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Turn off a user’s two-factor authentication (a lost device)',
    description:
      'Forgets their TOTP secret and recovery codes; they sign in with the password alone and may set two-factor up again. Their sessions and tokens go on. Idempotent (204 when it was off). Audited as `mfa.reset`.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Two-factor is off for the user' })
  @ApiErrors(400, 404)
  async resetMfa(@Param('id', ParseIdPipe) id: string, @Audit() audit: AuditContext): Promise<void> {
    await this.mfa.reset(id, audit);
  }
}
