import type { AuditFilter } from '../api/admin';

/** The audit log's filters as typed in its form. */
export interface AuditFormValues {
  /** An email (looked up among the users) or a user id. */
  actor: string;
  action: string;
  targetId: string;
  /** `YYYY-MM-DD`, the first day shown (local time). */
  from: string;
  /** `YYYY-MM-DD`, the last day shown (local time), inclusive. */
  to: string;
}

/** Suggestions for the action field (the server checks the value; actions added later can be typed). */
export const KNOWN_ACTIONS = [
  'user.registered',
  'user.login_succeeded',
  'user.login_failed',
  'user.role_changed',
  'user.activated',
  'user.deactivated',
  'key.created',
  'key.updated',
  'key.rotated',
  'key.revealed',
  'key.revoked',
  'key.activated',
  'key.deactivated',
  'key.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization.member_added',
  'organization.member_role_changed',
  'organization.member_removed',
  'project.created',
  'project.updated',
  'project.deleted',
  'session.created',
  'session.revoked',
];

const startOfDay = (day: string, plusDays = 0) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
};

/**
 * The form's values as `GET /api/admin/audit-events` takes them, given the actor's user id (the
 * caller looks an email up). A whole last day: `to` is the next midnight, exclusive.
 */
export function toAuditFilter(values: AuditFormValues, actorId: string | undefined): AuditFilter {
  return {
    actorId,
    action: values.action.trim() || undefined,
    targetId: values.targetId.trim() || undefined,
    from: values.from ? startOfDay(values.from) : undefined,
    to: values.to ? startOfDay(values.to, 1) : undefined,
  };
}

/** What a change record says, as one line: `role: "user" → "admin"`. */
export function describeChanges(changes: Record<string, { from?: unknown; to?: unknown }> | null): string {
  if (!changes) return '';
  const show = (value: unknown) => (value === undefined ? '—' : JSON.stringify(value));
  return Object.entries(changes)
    .map(([field, change]) => `${field}: ${show(change.from)} → ${show(change.to)}`)
    .join('; ');
}
