import { Body, Controller, Get, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Envelope } from '../core/http/envelope';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { Authenticated, CurrentPrincipal, Public } from '../access/auth.decorators';
import { LoginDto, RefreshTokenDto, RegisterDto } from './dto/auth.dto';
import { AuthOptionsDto, LoginResponseDto, MeResponseDto, TokenPairDto, UserResponseDto, VerifyResponseDto } from './dto/auth-response.dto';
import { deviceCookie, deviceTokensOf } from './device-token';
import { Clock } from '../core/time/clock';
import { AuthService } from './auth.service';
import { ReducesAccess, RouteRateLimit } from '../rate-limit/rate-limit.decorators';
import { Audit, AuditContext } from '../events/audit-context';
import { Principal } from '../access/principal';
import { MfaChallengeDto, MfaLoginDto } from './mfa/dto/mfa.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly clock: Clock,
  ) {}

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
  @ApiOperation({
    summary: 'Exchange email and password for an access token and a refresh token',
    description:
      'Sets the `argus_device` cookie (also returned as `deviceToken`). A client that presents it, or logs in from an address that logged in to the account before, is counted on its own budget (RATE_LIMIT_LOGIN_TRUSTED) rather than the per-account limit (RATE_LIMIT_LOGIN), so guessing cannot lock the owner out. For an account with two-factor on, the right password answers `{ mfaRequired: true, mfaToken, mfaTokenExpiresAt, methods }` (MfaChallengeDto) instead, with no tokens and no cookie: send the `mfaToken` and a code to POST /api/auth/login/mfa.',
  })
  @ApiHeader({ name: 'X-Device-Token', required: false, description: 'The `deviceToken` of an earlier login, for clients without cookies' })
  @ApiExtraModels(MfaChallengeDto)
  @ApiEnvelope(LoginResponseDto, { description: 'Tokens; or, for an account with two-factor on, an MfaChallengeDto' })
  @ApiErrors(400, 401, 429)
  async login(
    @Body() dto: LoginDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto | MfaChallengeDto> {
    const response = await this.auth.login(dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
    if ('mfaRequired' in response) return response;
    return this.withDeviceCookie(response, request, reply);
  }

  @Post('login/mfa')
  @Public()
  @ApiOperation({
    summary: 'The second step of a login with two-factor on: the mfaToken and a code for tokens',
    description:
      '`code` is a 6-digit authenticator code (each accepted once) or an unused recovery code (audited as `mfa.recovery_code_used`). Answers like POST /api/auth/login. 401 `invalid_mfa_code` for a wrong code (with `attemptsLeft`; each try also counts against the login limits, 429 once spent); 401 `invalid_token` for an `mfaToken` that is unknown, expired (5 minutes), already used, or past 5 wrong codes: sign in with the password again.',
  })
  @ApiHeader({ name: 'X-Device-Token', required: false, description: 'The `deviceToken` of an earlier login, for clients without cookies' })
  @ApiEnvelope(LoginResponseDto)
  @ApiErrors(400, 401, 429)
  async loginMfa(
    @Body() dto: MfaLoginDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const response = await this.auth.loginWithMfa(dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
    return this.withDeviceCookie(response, request, reply);
  }

  @Post('refresh')
  @Public()
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair',
    description:
      'Each refresh token works once and yields one pair. Presenting it again within REFRESH_REUSE_WINDOW_SECONDS of its use (a parallel retry) answers 409 conflict and leaves the session alone; later, it is a replay and revokes every token of that login (401 invalid_token).',
  })
  @ApiEnvelope(TokenPairDto)
  @ApiErrors(400, 401, 409, 429)
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

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'Your account, and how this request was authenticated (`jwt`, `api_key`, `session` or `oauth`)' })
  @ApiEnvelope(MeResponseDto)
  async me(@CurrentPrincipal() principal: Principal): Promise<MeResponseDto> {
    return { ...(await this.auth.profile(principal.userId)), method: principal.method };
  }

  @Get('options')
  @Public()
  @ApiOperation({
    summary: 'What this server offers before sign-in',
    description: '`registrationOpen`: whether POST /api/auth/register is open (ALLOW_REGISTRATION).',
  })
  @ApiEnvelope(AuthOptionsDto)
  authOptions(): AuthOptionsDto {
    return { registrationOpen: this.auth.registrationOpen };
  }

  @Get('verify')
  @Authenticated()
  @ApiOperation({ summary: 'Who am I? Checks a JWT, an API key, an OAuth access token or the session cookie' })
  @ApiEnvelope(VerifyResponseDto)
  verify(@CurrentPrincipal() principal: Principal): VerifyResponseDto {
    return {
      authenticated: true,
      method: principal.method,
      userId: principal.userId,
      ...(principal.keyId ? { keyId: principal.keyId } : {}),
      ...(principal.clientId ? { clientId: principal.clientId } : {}),
      ...(principal.organizationId ? { organizationId: principal.organizationId } : {}),
      ...(principal.projectId ? { projectId: principal.projectId } : {}),
      role: principal.role,
      scopes: principal.scopes,
      expiresAt: principal.expiresAt ? principal.expiresAt.toISOString() : null,
    };
  }

  private withDeviceCookie(response: LoginResponseDto, request: FastifyRequest, reply: FastifyReply): LoginResponseDto {
    const device = { token: response.deviceToken, expiresAt: Date.parse(response.deviceTokenExpiresAt) };
    reply.header('Set-Cookie', deviceCookie(device, this.clock.now(), request.protocol === 'https'));
    return response;
  }
}
