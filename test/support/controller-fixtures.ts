import type { AdminApiKeyResponseDto, ApiKeyResponseDto, CreatedApiKeyResponseDto } from '../../src/api-keys/dto/api-key-response.dto';
import type { UserResponseDto } from '../../src/auth/dto/auth-response.dto';
import type { AuditEventEntity } from '../../src/events/audit-event.entity';
import type { MemberResponseDto, OrganizationResponseDto } from '../../src/organizations/dto/organization.dto';
import type { ProjectResponseDto } from '../../src/organizations/dto/project.dto';
import type { WebhookDeliveryDto, WebhookResponseDto } from '../../src/webhooks/dto/webhook.dto';
import { KEY_ID, ORG_ID, PROJECT_ID, USER_ID } from './controller-setup';

/*
 * What the faked services answer: the response DTOs the real ones return, typed so a change to a
 * DTO shows up here at compile time. The controller tier checks that controllers pass them through
 * in the contract's envelope, not what is in them (the services' and the e2e tier's job).
 */

const CREATED_AT = '2026-01-01T00:00:00.000Z';

export function keyView(overrides: Partial<ApiKeyResponseDto> = {}): ApiKeyResponseDto {
  return {
    id: KEY_ID,
    name: 'ci deploy',
    keyPrefix: 'argus_ab',
    isActive: true,
    organizationId: null,
    projectId: null,
    parentKeyId: null,
    status: 'active',
    scopes: ['read:keys'],
    expiresAt: null,
    revokedAt: null,
    rotatedAt: null,
    replacedById: null,
    lastUsedAt: null,
    rateLimit: null,
    quota: null,
    allowedIps: null,
    certificateThumbprint: null,
    rotationPolicy: null,
    rotationDueAt: null,
    revealPending: false,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

export function createdKeyView(overrides: Partial<CreatedApiKeyResponseDto> = {}): CreatedApiKeyResponseDto {
  return { ...keyView(), key: 'argus_abcdefghijklmnopqrstuvwxyzABCDEFGHIJK012345', ...overrides };
}

export function adminKeyView(overrides: Partial<AdminApiKeyResponseDto> = {}): AdminApiKeyResponseDto {
  return { ...keyView(), userId: USER_ID, owner: { id: USER_ID, email: 'ada@example.com', name: null }, ...overrides };
}

export function userView(overrides: Partial<UserResponseDto> = {}): UserResponseDto {
  return {
    id: USER_ID,
    email: 'ada@example.com',
    name: null,
    role: 'user',
    isActive: true,
    mfaEnabled: false,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

export function organizationView(overrides: Partial<OrganizationResponseDto> = {}): OrganizationResponseDto {
  return { id: ORG_ID, name: 'Acme', role: 'owner', createdAt: CREATED_AT, updatedAt: CREATED_AT, ...overrides };
}

export function memberView(overrides: Partial<MemberResponseDto> = {}): MemberResponseDto {
  return { userId: USER_ID, email: 'ada@example.com', name: null, role: 'member', createdAt: CREATED_AT, ...overrides };
}

export function projectView(overrides: Partial<ProjectResponseDto> = {}): ProjectResponseDto {
  return {
    id: PROJECT_ID,
    organizationId: ORG_ID,
    name: 'billing-api',
    description: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

export function webhookView(overrides: Partial<WebhookResponseDto> = {}): WebhookResponseDto {
  return {
    id: KEY_ID,
    url: 'https://example.com/hooks/argus',
    events: ['key.created'],
    isActive: true,
    consecutiveFailures: 0,
    failingSince: null,
    nextProbeAt: null,
    disabledAt: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    ...overrides,
  };
}

export function deliveryView(overrides: Partial<WebhookDeliveryDto> = {}): WebhookDeliveryDto {
  return {
    id: KEY_ID,
    messageId: PROJECT_ID,
    eventType: 'key.created',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: CREATED_AT,
    lastStatusCode: null,
    lastError: null,
    deliveredAt: null,
    payload: { type: 'key.created' },
    createdAt: CREATED_AT,
    ...overrides,
  };
}

/** A stored audit event (the audit service returns rows; the controllers map them). */
export function auditEvent(overrides: Partial<AuditEventEntity> = {}): AuditEventEntity {
  return {
    id: PROJECT_ID,
    occurredAt: new Date(CREATED_AT),
    action: 'key.created',
    actorType: 'user',
    actorId: USER_ID,
    actorKeyId: null,
    targetType: 'api_key',
    targetId: KEY_ID,
    ip: '127.0.0.1',
    userAgent: null,
    requestId: 'req-1',
    changes: null,
    ...overrides,
  };
}
