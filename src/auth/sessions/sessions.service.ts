import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { notFound, unauthorized } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { AuthConfig, authConfig } from '../auth.config';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { Page } from '../../core/http/page';
import { Clock } from '../../core/time/clock';
import { Principal } from '../../access/principal';
import { ROLE_SCOPES } from '../../access/scopes';
import { UserAccessService } from '../../users/user-access.service';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { TokenService } from '../token.service';
import { MAX_USER_AGENT_LENGTH, SessionEntity } from './session.entity';
import { LiveAt, SessionsRepository } from './sessions.repository';
import { SessionResponseDto } from './session.dto';

/** Use is recorded at most this often per session: a browser's every request would otherwise write. */
export const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface StartedSession {
  /** The cookie's value: returned once, stored only as its hash. */
  token: string;
  session: SessionEntity;
}

/** Where a sign-in comes from. */
export interface SessionClient {
  ip: string;
  userAgent: string | undefined;
}

/**
 * Browser sessions: a random token in a cookie, its hash in `sessions`. Each request reads the row
 * (no cache), so a revocation on any instance holds on every instance from the next request on;
 * the user's role and status come from UserAccessService, like a JWT's.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly userAccess: UserAccessService,
    private readonly audit: AuditRecorder,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly clock: Clock,
  ) {}

  /** Starts a session for a user whose password has just been checked. */
  async start(userId: string, client: SessionClient, audit: AuditContext): Promise<StartedSession> {
    const token = randomBytes(32).toString('base64url');
    const live = this.liveAt();
    const session = await this.dataSource.transaction(async (manager) => {
      await this.sessions.deleteDead(manager, userId, live);
      const created = await this.sessions.create(manager, {
        userId,
        tokenHash: hashToken(token),
        createdAt: live.now,
        lastSeenAt: live.now,
        expiresAt: new Date(live.now.getTime() + this.config.sessions.ttlSeconds * 1000),
        ip: client.ip,
        userAgent: client.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
      });
      const actor = { ...audit, actorType: 'user' as const, actorId: userId };
      await this.audit.record(manager, actor, { action: 'user.login_succeeded', targetType: 'user', targetId: userId });
      await this.audit.record(manager, actor, { action: 'session.created', targetType: 'session', targetId: created.id });
      return created;
    });
    return { token, session };
  }

  /** The caller a session cookie stands for; 401 when the session is unknown, revoked, expired or idle. */
  async authenticate(token: string): Promise<Principal> {
    const now = this.clock.now();
    const session = await this.sessions.getByTokenHash(hashToken(token));
    if (!session || session.revokedAt) throw unauthorized(ErrorCode.InvalidToken, 'This session has ended; sign in again');
    if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() <= now - this.idleMs) {
      throw unauthorized(ErrorCode.TokenExpired, 'This session has expired; sign in again');
    }
    const user = await this.userAccess.get(session.userId);
    if (!user) throw unauthorized(ErrorCode.InvalidToken, 'This session has ended; sign in again');
    if (!user.isActive) throw unauthorized(ErrorCode.Unauthorized, 'This account is deactivated');
    if (session.lastSeenAt.getTime() <= now - TOUCH_EVERY_MS) {
      await this.sessions.touch(session.id, new Date(now), new Date(now - TOUCH_EVERY_MS));
    }
    return {
      method: 'session',
      userId: session.userId,
      sessionId: session.id,
      role: user.role,
      scopes: [...ROLE_SCOPES[user.role]],
      organizationId: null,
      projectId: null,
      expiresAt: session.expiresAt,
    };
  }

  async list(caller: Principal, page: PaginationQueryDto): Promise<Page<SessionResponseDto>> {
    const [rows, total] = await this.sessions.listLive(caller.userId, this.liveAt(), page.skip, page.limit);
    return { items: rows.map((row) => this.toResponse(row, caller.sessionId)), total };
  }

  /** Signs out one of the caller's sessions; 404 for one that is not theirs or has already ended. */
  async revoke(caller: Principal, id: string, audit: AuditContext): Promise<void> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const found = await this.sessions.revokeLive(manager, caller.userId, id, this.liveAt());
      if (found) await this.audit.record(manager, audit, { action: 'session.revoked', targetType: 'session', targetId: id });
      return found;
    });
    if (!revoked) throw notFound('Session');
  }

  /** "Sign out everywhere": every session and every refresh token of the caller. */
  async revokeEverywhere(caller: Principal, audit: AuditContext): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const ids = await this.sessions.revokeAllLive(manager, caller.userId, this.liveAt());
      for (const id of ids) await this.audit.record(manager, audit, { action: 'session.revoked', targetType: 'session', targetId: id });
      await this.tokens.revokeAllForUser(caller.userId, manager);
    });
  }

  /**
   * Every session of the user but `keepId` ends, and every refresh token, in `manager`'s
   * transaction (a password change: the browser that made it stays signed in).
   */
  async revokeAllBut(manager: EntityManager, userId: string, keepId: string | undefined, audit: AuditContext): Promise<void> {
    const ids = await this.sessions.revokeOthersLive(manager, userId, keepId, this.liveAt());
    for (const id of ids) await this.audit.record(manager, audit, { action: 'session.revoked', targetType: 'session', targetId: id });
    await this.tokens.revokeRefreshTokens(userId, manager);
  }

  /** The user's live sessions, most recently used first, at most `limit` (the data export). */
  async listOf(userId: string, limit: number): Promise<SessionResponseDto[]> {
    const [rows] = await this.sessions.listLive(userId, this.liveAt(), 0, limit);
    return rows.map((row) => this.toResponse(row));
  }

  /** The lifetime left to a session's cookie and CSRF secret, in whole seconds (the cookie outliving it by under one does no harm). */
  secondsLeft(expiresAt: Date): number {
    return Math.max(0, Math.ceil((expiresAt.getTime() - this.clock.now()) / 1000));
  }

  toResponse(session: SessionEntity, currentId?: string): SessionResponseDto {
    const idleEnd = Math.min(session.lastSeenAt.getTime() + this.idleMs, session.expiresAt.getTime());
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastSeenAt: session.lastSeenAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      idleExpiresAt: new Date(idleEnd).toISOString(),
      ip: session.ip,
      userAgent: session.userAgent,
      current: session.id === currentId,
    };
  }

  private get idleMs(): number {
    return this.config.sessions.idleTimeoutSeconds * 1000;
  }

  private liveAt(): LiveAt {
    const now = this.clock.now();
    return { now: new Date(now), idleCutoff: new Date(now - this.idleMs) };
  }
}
