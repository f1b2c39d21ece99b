import { Body, Controller, Get, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Public } from '../../access/auth.decorators';
import { AuthConfig, authConfig } from '../../auth/auth.config';
import { AuthService } from '../../auth/auth.service';
import { deviceTokensOf } from '../../auth/device-token';
import { MfaChallengeService } from '../../auth/mfa/mfa-challenge.service';
import { issueCsrfToken } from '../../auth/sessions/csrf';
import { sessionTokenOf, setSessionCookie } from '../../auth/sessions/session-cookie';
import { SessionsService } from '../../auth/sessions/sessions.service';
import { AppException } from '../../core/errors/app.exception';
import { Audit, AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OAuthApplicationAccess } from '../tokens/application-access';
import { OidcProvider, OidcProviderHost } from '../provider/oidc-provider.host';
import { errorPage } from '../provider/pages';
import { withFormTargets } from '../../core/http/security-headers';
import { signedInUser } from './browser-session-policy';
import { consentPage, loginPage, mfaPage } from './interaction-pages';

type Form = Record<string, unknown>;
const text = (form: Form | undefined, name: string, max: number): string => {
  const value = form?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

/**
 * The login and consent pages of the authorization code flow (oidc-provider's "interactions").
 * Signing in here starts the same browser session the dashboard uses (and a dashboard session
 * already open skips the login). Every form carries a token bound to the interaction (an HMAC of
 * its id), besides the interaction cookie (SameSite=Lax) the library checks.
 */
@ApiExcludeController()
@Public()
@Controller('oauth/interaction')
export class InteractionController {
  constructor(
    private readonly host: OidcProviderHost,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaChallengeService,
    private readonly applications: OAuthApplicationAccess,
    private readonly recorder: AuditRecorder,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.details(uid, request, reply);
    if (!found) return;
    const { provider, details } = found;
    if (details.prompt.name === 'login') {
      const userId = await this.dashboardUser(request);
      if (userId) return this.finish(provider, request, reply, { login: { accountId: userId } });
      const page = loginPage(uid, this.csrf(uid), { applicationName: await this.applicationName(details) });
      return this.page(reply, HttpStatus.OK, page, details.params.redirect_uri);
    }
    return this.page(reply, HttpStatus.OK, consentPage(await this.consentView(uid, details)), details.params.redirect_uri);
  }

  @Post(':uid/login')
  async login(
    @Param('uid') uid: string,
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    const found = await this.checked(uid, form, request, reply);
    if (!found) return;
    const email = text(form, 'email', 254).trim().toLowerCase();
    const applicationName = await this.applicationName(found.details);
    try {
      const user = await this.auth.checkCredentials({ email, password: text(form, 'password', 256) }, audit, {
        ip: request.ip,
        deviceTokens: deviceTokensOf(request),
      });
      if (user.mfaEnabled) {
        const challenge = await this.mfa.issue(user);
        return this.page(reply, HttpStatus.OK, mfaPage(uid, this.csrf(uid), challenge.mfaToken), found.details.params.redirect_uri);
      }
      return await this.signIn(found.provider, user.id, request, reply, audit);
    } catch (error) {
      return this.failed(reply, error, found.details.params.redirect_uri, (message) =>
        loginPage(uid, this.csrf(uid), { email, applicationName, error: message }),
      );
    }
  }

  @Post(':uid/mfa')
  async secondFactor(
    @Param('uid') uid: string,
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    const found = await this.checked(uid, form, request, reply);
    if (!found) return;
    const mfaToken = text(form, 'mfaToken', 200);
    try {
      const user = await this.mfa.redeem({ mfaToken, code: text(form, 'code', 64) }, audit, {
        ip: request.ip,
        deviceTokens: deviceTokensOf(request),
      });
      return await this.signIn(found.provider, user.id, request, reply, audit);
    } catch (error) {
      return this.failed(reply, error, found.details.params.redirect_uri, (message) => mfaPage(uid, this.csrf(uid), mfaToken, message));
    }
  }

  @Post(':uid/confirm')
  async confirm(
    @Param('uid') uid: string,
    @Body() form: Form,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    const found = await this.checked(uid, form, request, reply);
    if (!found) return;
    const { provider, details } = found;
    if (text(form, 'decision', 10) !== 'allow' || details.prompt.name !== 'consent') {
      return this.finish(provider, request, reply, { error: 'access_denied', error_description: 'The user denied the request' });
    }
    const accountId = details.session?.accountId as string;
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId: details.params.client_id as string }))
      : new provider.Grant({ accountId, clientId: details.params.client_id as string });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await this.recordConsent(audit, accountId, details.params.client_id as string, grantId);
    return this.finish(provider, request, reply, { consent: { grantId } });
  }

  private async details(uid: string, request: FastifyRequest, reply: FastifyReply) {
    const provider = await this.host.provider();
    if (!provider || !/^[A-Za-z0-9_-]{1,64}$/.test(uid)) {
      this.page(reply, HttpStatus.NOT_FOUND, errorPage('not_found', 'There is no such sign-in request'));
      return undefined;
    }
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid) throw new Error('another interaction');
      return { provider, details };
    } catch {
      this.page(
        reply,
        HttpStatus.BAD_REQUEST,
        errorPage('invalid_request', 'This sign-in request has expired or is unknown: start again from the application'),
      );
      return undefined;
    }
  }

  /** The interaction, for a form whose token matches it. */
  private async checked(uid: string, form: Form | undefined, request: FastifyRequest, reply: FastifyReply) {
    const expected = Buffer.from(this.csrf(uid));
    const given = Buffer.from(text(form, 'csrf', 100));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      this.page(reply, HttpStatus.FORBIDDEN, errorPage('invalid_request', 'The form has expired: start again from the application'));
      return undefined;
    }
    return this.details(uid, request, reply);
  }

  /** `consent.granted`, to the audit trail and the application owner's webhooks. */
  private async recordConsent(audit: AuditContext, userId: string, clientId: string, grantId: string): Promise<void> {
    const application = await this.applications.get(clientId);
    await this.dataSource.transaction((manager) =>
      this.recorder.record(
        manager,
        { ...audit, actorType: 'user', actorId: userId },
        {
          action: 'consent.granted',
          targetType: 'application',
          targetId: application?.id ?? null,
          ownerId: application?.ownerId,
          webhookDetails: { clientId, userId, grantId },
        },
      ),
    );
  }

  private csrf(uid: string): string {
    return createHmac('sha256', this.config.jwt.secret).update(`oauth-interaction:${uid}`).digest('base64url');
  }

  private async dashboardUser(request: FastifyRequest): Promise<string | undefined> {
    const token = sessionTokenOf(request);
    return token ? signedInUser(this.sessions, token) : undefined;
  }

  private async startSession(userId: string, request: FastifyRequest, reply: FastifyReply, audit: AuditContext): Promise<void> {
    const { token, session } = await this.sessions.start(userId, { ip: request.ip, userAgent: request.headers['user-agent'] }, audit);
    const lifetime = this.sessions.secondsLeft(session.expiresAt);
    setSessionCookie(request, reply, token, lifetime);
    issueCsrfToken(request, reply, session.id, lifetime, true);
  }

  private async applicationName(details: { params: Record<string, unknown> }): Promise<string> {
    const application = await this.applications.get(String(details.params.client_id));
    return application?.name ?? 'An application';
  }

  private async consentView(uid: string, details: { params: Record<string, unknown> }) {
    const clientId = String(details.params.client_id);
    const asked = details.params.scope;
    const scopes = (typeof asked === 'string' ? asked : '').split(' ').filter(Boolean);
    return { uid, csrf: this.csrf(uid), clientId, applicationName: await this.applicationName(details), scopes };
  }

  /** The password (and second factor) checked: the dashboard session starts, and the provider learns who signed in. */
  private async signIn(
    provider: OidcProvider,
    userId: string,
    request: FastifyRequest,
    reply: FastifyReply,
    audit: AuditContext,
  ): Promise<void> {
    await this.startSession(userId, request, reply, audit);
    return this.finish(provider, request, reply, { login: { accountId: userId } });
  }

  /** A refused sign-in step: the same page again with why, under the refusal's status; anything else is not ours to word. */
  private failed(reply: FastifyReply, error: unknown, redirectUri: unknown, render: (message: string) => string): void {
    if (!(error instanceof AppException) || error.getStatus() >= 500) throw error;
    const status = error.getStatus();
    this.page(reply, status, render(failureMessage(status, error)), redirectUri);
  }

  /** Stores the result with the provider and sends the browser back to the authorization endpoint (through Fastify, so the session cookies set here go too). */
  private async finish(
    provider: OidcProvider,
    request: FastifyRequest,
    reply: FastifyReply,
    result: Record<string, unknown>,
  ): Promise<void> {
    const returnTo = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    await reply.code(HttpStatus.SEE_OTHER).header('cache-control', 'no-store').redirect(returnTo);
  }

  /**
   * An HTML answer. `redirectUri`: where the page's form may end up after Argus's redirects (the
   * application's, with a code or an error), which the CSP's form-action must then allow.
   */
  private page(reply: FastifyReply, status: number, html: string, redirectUri?: unknown): void {
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string' && typeof redirectUri === 'string') {
      reply.header('content-security-policy', withFormTargets(csp, [redirectUri]));
    }
    void reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }
}

function failureMessage(status: number, error: AppException): string {
  if (status === 429) return 'Too many attempts: wait a moment and try again.';
  if (error.code === 'invalid_mfa_code') return 'That code is not right.';
  if (error.code === 'invalid_token') return 'This step has expired: sign in again.';
  return 'Invalid email or password.';
}
