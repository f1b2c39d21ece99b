import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../dto/auth-response.dto';

export class SessionResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Recorded at most once a minute' })
  lastSeenAt: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The absolute end (SESSION_TTL after sign-in)' })
  expiresAt: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When it ends unless used again before (lastSeenAt + SESSION_IDLE_TIMEOUT, at most expiresAt)',
  })
  idleExpiresAt: string;

  @ApiProperty({ type: String, nullable: true, description: 'The address it signed in from' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 512 })
  userAgent: string | null;

  @ApiProperty({ description: 'True for the session that made this request' })
  current: boolean;
}

export class CsrfTokenDto {
  @ApiProperty({ description: 'Send as `X-CSRF-Token` on every POST, PUT, PATCH and DELETE made with the session cookie' })
  csrfToken: string;
}

export class CreatedSessionDto extends CsrfTokenDto {
  @ApiProperty({ type: UserResponseDto })
  user: UserResponseDto;

  @ApiProperty({ type: SessionResponseDto })
  session: SessionResponseDto;
}
