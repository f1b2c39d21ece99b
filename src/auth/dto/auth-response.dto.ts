import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, UserRole } from '../../users/user.entity';

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Ada Lovelace' })
  name: string | null;

  @ApiProperty({ enum: USER_ROLES })
  role: UserRole;

  @ApiProperty()
  isActive: boolean;

  @ApiProperty({ description: 'Two-factor authentication (TOTP) is on for this account' })
  mfaEnabled: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer`' })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ example: 3600, description: 'Seconds until the access token expires' })
  expiresIn: number;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ description: 'Opaque; single use: each refresh returns a new one' })
  refreshToken: string;

  @ApiProperty({ type: String, format: 'date-time' })
  refreshExpiresAt: string;

  @ApiProperty({ type: UserResponseDto })
  user: UserResponseDto;
}

export class LoginResponseDto extends TokenPairDto {
  @ApiProperty({
    description:
      'Device token: also set as the `argus_device` cookie (httpOnly, Path=/api/auth). Sent back on later logins (the cookie, or the `X-Device-Token` header for clients without cookies), it gives this client its own login budget, apart from the per-account limit an attacker can spend. It never logs anyone in by itself.',
  })
  deviceToken: string;

  @ApiProperty({ type: String, format: 'date-time' })
  deviceTokenExpiresAt: string;
}

export class VerifyResponseDto {
  @ApiProperty({ enum: [true] })
  authenticated: true;

  @ApiProperty({ enum: ['jwt', 'api_key', 'session', 'oauth'] })
  method: 'jwt' | 'api_key' | 'session' | 'oauth';

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiPropertyOptional({ format: 'uuid' })
  keyId?: string;

  @ApiPropertyOptional({ description: 'The OAuth application (`method: "oauth"`)' })
  clientId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A bound key’s organization' })
  organizationId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A project key’s project' })
  projectId?: string;

  @ApiProperty({ enum: USER_ROLES })
  role: UserRole;

  @ApiProperty({ type: [String] })
  scopes: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;
}

export class MeResponseDto extends UserResponseDto {
  @ApiProperty({ enum: ['jwt', 'api_key', 'session', 'oauth'], description: 'The credential of this request' })
  method: 'jwt' | 'api_key' | 'session' | 'oauth';
}

export class AuthOptionsDto {
  @ApiProperty({ description: 'Whether anyone may create an account (ALLOW_REGISTRATION)' })
  registrationOpen: boolean;
}
