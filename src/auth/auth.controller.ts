import { Body, Controller, Get, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Envelope } from '../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../common/openapi/api-responses.decorator';
import { Authenticated, CurrentPrincipal, Public } from './decorators/auth.decorators';
import { LoginDto, RefreshTokenDto, RegisterDto } from './dto/auth.dto';
import { TokenPairDto, UserResponseDto, VerifyResponseDto } from './dto/auth-response.dto';
import { AuthService } from './auth.service';
import { ReducesAccess, RouteRateLimit } from '../rate-limit/rate-limit.decorators';
import { Audit, AuditContext } from '../audit/audit-context';
import { Principal } from './principal';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @RouteRateLimit('register')
  @ApiOperation({
    summary: 'Create an account',
    description: 'Closed when ALLOW_REGISTRATION=false (403). Emails compare case-insensitively.',
  })
  @ApiEnvelope(UserResponseDto, { status: HttpStatus.CREATED })
  @ApiErrors(400, 403, 409, 413, 429)
  async register(@Body() dto: RegisterDto, @Audit() audit: AuditContext): Promise<Envelope<UserResponseDto>> {
    return new Envelope(await this.auth.register(dto, audit), 'Account created');
  }

  @Post('login')
  @Public()
  @ApiOperation({ summary: 'Exchange email and password for an access token and a refresh token' })
  @ApiEnvelope(TokenPairDto)
  @ApiErrors(400, 401, 429)
  login(@Body() dto: LoginDto, @Audit() audit: AuditContext): Promise<TokenPairDto> {
    return this.auth.login(dto, audit);
  }

  @Post('refresh')
  @Public()
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair',
    description: 'Each refresh token works once. Replaying a spent one revokes every token of that login (401 invalid_token).',
  })
  @ApiEnvelope(TokenPairDto)
  @ApiErrors(400, 401, 429)
  refresh(@Body() dto: RefreshTokenDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @ReducesAccess()
  @Public()
  @ApiOperation({
    summary: 'End a session',
    description:
      'Revokes the refresh token and every token of its family. Access tokens already issued expire on their own (JWT_EXPIRES_IN).',
  })
  @ApiEnvelope(null)
  @ApiErrors(400, 401, 429)
  async logout(@Body() dto: RefreshTokenDto): Promise<Envelope<null>> {
    await this.auth.logout(dto.refreshToken);
    return new Envelope(null, 'Logged out');
  }

  @Get('verify')
  @Authenticated()
  @ApiOperation({ summary: 'Who am I? Checks a JWT or an API key' })
  @ApiEnvelope(VerifyResponseDto)
  verify(@CurrentPrincipal() principal: Principal): VerifyResponseDto {
    return {
      authenticated: true,
      method: principal.method,
      userId: principal.userId,
      ...(principal.keyId ? { keyId: principal.keyId } : {}),
      ...(principal.organizationId ? { organizationId: principal.organizationId } : {}),
      ...(principal.projectId ? { projectId: principal.projectId } : {}),
      role: principal.role,
      scopes: principal.scopes,
      expiresAt: principal.expiresAt ? principal.expiresAt.toISOString() : null,
    };
  }
}
