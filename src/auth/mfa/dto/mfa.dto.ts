import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { MAX_PASSWORD_LENGTH } from '../../dto/auth.dto';

export const MFA_METHODS = ['totp', 'recovery_code'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

const CODE_DESCRIPTION =
  'A 6-digit code from the authenticator app, or one of the recovery codes (`xxxxx-xxxxx`; case, spaces and dashes ignored)';

export class MfaLoginDto {
  @ApiProperty({ description: 'The `mfaToken` the password step answered with' })
  @IsString()
  @Length(1, 200)
  mfaToken: string;

  @ApiProperty({ description: CODE_DESCRIPTION, example: '123456' })
  @IsString()
  @Length(1, 64)
  code: string;
}

export class MfaCodeDto {
  @ApiProperty({ description: 'The 6-digit code the authenticator app shows for the new secret', example: '123456' })
  @IsString()
  @Length(1, 64)
  code: string;
}

/** Proof that the caller is the account's owner, for turning two-factor off or replacing the recovery codes: one of the two. */
export class MfaProofDto {
  @ApiPropertyOptional({ description: 'The account password' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_PASSWORD_LENGTH)
  password?: string;

  @ApiPropertyOptional({ description: CODE_DESCRIPTION })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  code?: string;
}

export class MfaChallengeDto {
  @ApiProperty({
    enum: [true],
    description: 'The password was right; the second step is `POST /api/auth/login/mfa` (or `/api/auth/sessions/mfa`)',
  })
  mfaRequired: true;

  @ApiProperty({ description: 'Single-use, valid for 5 minutes and 5 wrong codes' })
  mfaToken: string;

  @ApiProperty({ type: String, format: 'date-time' })
  mfaTokenExpiresAt: string;

  @ApiProperty({ enum: MFA_METHODS, isArray: true })
  methods: MfaMethod[];
}

export class MfaStatusDto {
  @ApiProperty({ description: 'Two-factor authentication is on' })
  enabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  enabledAt: string | null;

  @ApiProperty({ description: 'A set-up was started and waits for its first code' })
  pending: boolean;

  @ApiProperty({ description: 'Unused recovery codes left (0 when off)' })
  recoveryCodesLeft: number;

  @ApiProperty({ description: 'REQUIRE_MFA_FOR_ADMINS applies to this account and it has no two-factor yet' })
  required: boolean;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'The secret, base32, for typing into an app by hand. Shown while the set-up is pending only' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Argus:ada%40example.com?issuer=Argus&secret=...&algorithm=SHA1&digits=6&period=30' })
  otpauthUri: string;

  @ApiProperty({ description: 'The URI as a QR code: an SVG `data:` URL, generated on the server' })
  qrCode: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Shown once: each signs in once in place of a code. Stored only as hashes' })
  recoveryCodes: string[];
}
