import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm, type PublicJwk } from '../../auth/signing/jws';
import type { SigningKeyStatus, SigningKeyView } from '../../auth/signing/signing-keys.service';

/** The public half of a signing key, as /oauth/jwks publishes it. */
export class PublicJwkDto implements PublicJwk {
  @ApiProperty({ enum: ['EC', 'OKP', 'RSA'] })
  kty: string;

  @ApiProperty({ format: 'uuid' })
  kid: string;

  @ApiProperty({ enum: ASYMMETRIC_ALGORITHMS })
  alg: AsymmetricAlgorithm;

  @ApiProperty({ enum: ['sig'] })
  use: 'sig';

  @ApiPropertyOptional({ enum: ['P-256', 'Ed25519'], description: 'EC and OKP keys' })
  crv?: string;

  @ApiPropertyOptional({ description: 'EC and OKP keys (base64url)' })
  x?: string;

  @ApiPropertyOptional({ description: 'EC keys (base64url)' })
  y?: string;

  @ApiPropertyOptional({ description: 'RSA keys: modulus (base64url)' })
  n?: string;

  @ApiPropertyOptional({ description: 'RSA keys: exponent (base64url)' })
  e?: string;
}

export const SIGNING_KEY_STATUSES: SigningKeyStatus[] = ['active', 'retired', 'expired'];

export class SigningKeyResponseDto implements SigningKeyView {
  @ApiProperty({ format: 'uuid', description: 'The `kid` header of the tokens it signs' })
  kid: string;

  @ApiProperty({ enum: ASYMMETRIC_ALGORITHMS })
  alg: AsymmetricAlgorithm;

  @ApiProperty({
    enum: SIGNING_KEY_STATUSES,
    description: 'active: signs new tokens; retired: no longer signs, still published and verifying; expired: neither',
  })
  status: SigningKeyStatus;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  activatedAt: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it stopped signing' })
  retiredAt: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it stops being published and verifying' })
  expiresAt: Date | null;

  @ApiProperty({ type: PublicJwkDto })
  publicJwk: PublicJwkDto;
}
