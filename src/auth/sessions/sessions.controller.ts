import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../../core/errors/app.exception';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { Envelope } from '../../core/http/envelope';
import { ParseIdPipe } from '../../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../../core/openapi/api-responses.decorator';
import { Clock } from '../../core/time/clock';
import { Authenticated, CurrentPrincipal, Public, RequireScopes } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { Audit, AuditContext } from '../../events/audit-context';
import { ReducesAccess } from '../../rate-limit/rate-limit.decorators';
import { AuthService } from '../auth.service';
import { deviceCookie, deviceTokensOf } from '../device-token';
import { LoginDto } from '../dto/auth.dto';
import { LoginThrottleService } from '../login-throttle.service';
import { toUserResponse } from '../user.mapper';
import { clearCsrfCookie, issueCsrfToken } from './csrf';
import { CreatedSessionDto, CsrfTokenDto, SessionResponseDto } from './session.dto';
import { clearSessionCookies, setSessionCookie } from './session-cookie';
import { SessionsService } from './sessions.service';
import { UserEntity } from '../../users/user.entity';
import { MfaChallengeDto, MfaLoginDto } from '../mfa/dto/mfa.dto';
import { MfaChallengeService } from '../mfa/mfa-challenge.service';

const COOKIE_NOTE =
  'The cookie is `__Host-argus_session` (`Secure; Path=/; HttpOnly; SameSite=Lax`) where the origin is secure (https, or localhost, 127.0.0.1, [::1]), else `argus_session` (`Path=/; HttpOnly; SameSite=Lax`).';

/** A session caller's session id; 403 for any other credential. */
function sessionOf(caller: Principal): string {
  if (caller.method !== 'session' || !caller.sessionId) throw forbidden('Only a browser session (the session cookie) can do this');
  return caller.sessionId;
}

@ApiTags('sessions')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly loginThrottle: LoginThrottleService,
    private readonly mfaChallenges: MfaChallengeService,
    private readonly clock: Clock,
  ) {}

  @Post('sessions')
  @Public()
  @ApiOperation({
    summary: 'Sign in a browser: email and password for a session cookie',
    description: `Under the same login limits and device-token rules as POST /api/auth/login, with the same 401 invalid_credentials. ${COOKIE_NOTE} It lasts SESSION_TTL, and ends sooner after SESSION_IDLE_TIMEOUT without a request. Every POST, PUT, PATCH and DELETE made with the cookie must send the returned \`csrfToken\` as \`X-CSRF-Token\` (GET /api/auth/csrf gives it again after a reload). For an account with two-factor on, the right password answers 200 \`{ mfaRequired: true, mfaToken, mfaTokenExpiresAt, methods }\` and sets no session cookie: send the \`mfaToken\` and a code to POST /api/auth/sessions/mfa.`,
  })
  @ApiHeader({ name: 'X-Device-Token', required: false, description: 'The `deviceToken` of an earlier login, for clients without cookies' })
  @ApiExtraModels(MfaChallengeDto)
  @ApiEnvelope(CreatedSessionDto, {
    status: HttpStatus.CREATED,
    description: 'Signed in; or (200) an MfaChallengeDto for an account with two-factor on',
  })
  @ApiErrors(400, 401, 413, 429)
  async createSession(
    @Body() dto: LoginDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedSessionDto | MfaChallengeDto> {
    const user = await this.auth.checkCredentials(dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
    if (user.mfaEnabled) {
      reply.status(HttpStatus.OK);
      return this.mfaChallenges.issue(user);
    }
    return this.signIn(user, audit, request, reply);
  }

  @Post('sessions/mfa')
  @Public()
  @ApiOperation({
    summary: 'The second step of a browser sign-in with two-factor on: the mfaToken and a code for the session cookie',
    description:
      'The same body and rules as POST /api/auth/login/mfa (single-use `mfaToken`, 5 minutes, 5 wrong codes; 401 `invalid_mfa_code` with `attemptsLeft`, or 401 `invalid_token`); answers like POST /api/auth/sessions, and sets the cookies only now.',
  })
  @ApiHeader({ name: 'X-Device-Token', required: false, description: 'The `deviceToken` of an earlier login, for clients without cookies' })
  @ApiEnvelope(CreatedSessionDto, { status: HttpStatus.CREATED })
  @ApiErrors(400, 401, 413, 429)
  async createSessionMfa(
    @Body() dto: MfaLoginDto,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedSessionDto> {
    const user = await this.mfaChallenges.redeem(dto, audit, { ip: request.ip, deviceTokens: deviceTokensOf(request) });
    return this.signIn(user, audit, request, reply);
  }

  @Get('csrf')
  @Authenticated()
  @ApiOperation({
    summary: 'The CSRF token of the current browser session',
    description: 'For the session cookie only (403 for other credentials). Send it as `X-CSRF-Token` on state-changing requests.',
  })
  @ApiEnvelope(CsrfTokenDto)
  csrfToken(
    @CurrentPrincipal() caller: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): CsrfTokenDto {
    const seconds = caller.expiresAt ? this.sessions.secondsLeft(caller.expiresAt) : 0;
    return { csrfToken: issueCsrfToken(request, reply, sessionOf(caller), seconds) };
  }

  @Get('sessions')
  @RequireScopes('read:sessions')
  @ApiOperation({
    summary: 'List your live browser sessions',
    description: 'Most recently used first; `current` marks the one making the request.',
  })
  @ApiEnvelope(SessionResponseDto, { paginated: true })
  @ApiErrors(400)
  async listSessions(@CurrentPrincipal() caller: Principal, @Query() page: PaginationQueryDto): Promise<Envelope<SessionResponseDto[]>> {
    const { items, total } = await this.sessions.list(caller, page);
    return Envelope.page(items, page.meta(total));
  }

  @Delete('sessions/:id')
  @ReducesAccess()
  @RequireScopes('delete:sessions')
  @ApiOperation({
    summary: 'Sign out one of your browser sessions',
    description: 'It is refused from the next request on, on every instance.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null)
  @ApiErrors(400, 404)
  async revokeSession(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Envelope<null>> {
    await this.sessions.revoke(caller, id, audit);
    if (id === caller.sessionId) this.clearCookies(request, reply);
    return new Envelope(null, 'Session signed out');
  }

  @Delete('sessions')
  @ReducesAccess()
  @RequireScopes('delete:sessions')
  @ApiOperation({
    summary: 'Sign out everywhere',
    description:
      'Ends every browser session and revokes every refresh token of your account. Access tokens already issued expire on their own (JWT_EXPIRES_IN).',
  })
  @ApiEnvelope(null)
  async revokeAllSessions(
    @CurrentPrincipal() caller: Principal,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Envelope<null>> {
    await this.sessions.revokeEverywhere(caller, audit);
    if (caller.method === 'session') this.clearCookies(request, reply);
    return new Envelope(null, 'Signed out everywhere');
  }

  @Delete('session')
  @ReducesAccess()
  @Authenticated()
  @ApiOperation({
    summary: 'Sign this browser out',
    description:
      'Ends the session whose cookie made the request and clears its cookies. For the session cookie only (403 for other credentials).',
  })
  @ApiEnvelope(null)
  async endCurrentSession(
    @CurrentPrincipal() caller: Principal,
    @Audit() audit: AuditContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Envelope<null>> {
    await this.sessions.revoke(caller, sessionOf(caller), audit);
    this.clearCookies(request, reply);
    return new Envelope(null, 'Signed out');
  }

  private async signIn(user: UserEntity, audit: AuditContext, request: FastifyRequest, reply: FastifyReply): Promise<CreatedSessionDto> {
    const { token, session } = await this.sessions.start(user.id, { ip: request.ip, userAgent: request.headers['user-agent'] }, audit);
    const device = await this.loginThrottle.trust(user.id, request.ip);
    reply.header('Set-Cookie', deviceCookie(device, this.clock.now(), request.protocol === 'https'));
    const lifetime = this.sessions.secondsLeft(session.expiresAt);
    setSessionCookie(request, reply, token, lifetime);
    const csrfToken = issueCsrfToken(request, reply, session.id, lifetime, true);
    return { user: toUserResponse(user), session: this.sessions.toResponse(session, session.id), csrfToken };
  }

  private clearCookies(request: FastifyRequest, reply: FastifyReply): void {
    clearSessionCookies(request, reply);
    clearCsrfCookie(request, reply);
  }
}
