import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../access/principal';
import type { AuditActorType } from './audit-event.entity';

/** Who did it and from where, for an audit event: taken from the request, never from the body. */
export interface AuditContext {
  actorType: AuditActorType;
  actorId: string | null;
  actorKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export function auditContextOf(request: FastifyRequest & { user?: Principal }): AuditContext {
  const principal = request.user;
  const userAgent = request.headers['user-agent'];
  return {
    actorType: principal ? (principal.method === 'api_key' ? 'api_key' : 'user') : 'anonymous',
    actorId: principal?.userId ?? null,
    actorKeyId: principal?.keyId ?? null,
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
    requestId: request.id ? String(request.id).slice(0, 128) : null,
  };
}

/** Argus acting on its own schedule: no user, key, address or request. */
export const SYSTEM_AUDIT: AuditContext = Object.freeze({
  actorType: 'system',
  actorId: null,
  actorKeyId: null,
  ip: null,
  userAgent: null,
  requestId: null,
});

/** The audit context of the current request. */
export const Audit = createParamDecorator((_data: unknown, context: ExecutionContext): AuditContext =>
  auditContextOf(context.switchToHttp().getRequest()),
);
