import { Controller, Get, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/auth.decorators';
import { SigningKeysService } from '../auth/signing/signing-keys.service';
import { Envelope } from '../core/http/envelope';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../events/audit-context';
import { SigningKeyResponseDto } from './dto/signing-key-response.dto';

export const SIGNING_KEY_ROTATED_MESSAGE =
  'Signing key rotated: new tokens carry the new kid; tokens signed before stay valid until they expire';

/** The keys that sign Argus's JWTs: their public parts, and rotation on demand. Never any private material. */
@ApiTags('admin')
@Controller('admin/signing-keys')
@Authenticated({ roles: ['admin'], scopes: ['admin:all'] })
export class SigningKeysController {
  constructor(private readonly signingKeys: SigningKeysService) {}

  @Get()
  @ApiOperation({
    summary: 'Every JWT signing key, public parts only',
    description:
      'Newest first: the active key, the retired ones still published at /oauth/jwks until the tokens they signed expire, and expired ones (kept 30 days). Empty with JWT_ALGORITHM=HS256.',
  })
  @ApiEnvelope(SigningKeyResponseDto, { isArray: true })
  listSigningKeys(): Promise<SigningKeyResponseDto[]> {
    return this.signingKeys.list();
  }

  @Post('rotate')
  @ApiOperation({
    summary: 'Rotate the JWT signing key now',
    description:
      'A new key of JWT_ALGORITHM signs from now on, on every instance; the previous one stops signing but stays published and verifies until the tokens it signed have expired (JWT_EXPIRES_IN plus a minute). Audited as signing_key.rotated. 409 with JWT_ALGORITHM=HS256.',
  })
  @ApiEnvelope(SigningKeyResponseDto, { status: HttpStatus.CREATED, message: SIGNING_KEY_ROTATED_MESSAGE })
  @ApiErrors(409)
  async rotateSigningKey(@Audit() audit: AuditContext): Promise<Envelope<SigningKeyResponseDto>> {
    const key = (await this.signingKeys.rotate(audit)) as SigningKeyResponseDto;
    return new Envelope(key, SIGNING_KEY_ROTATED_MESSAGE);
  }
}
