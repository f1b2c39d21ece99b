import type { ApiKey, Organization, Project } from '../api/types';
import { formatDateTime, formatDuration } from '../lib/format';
import { Link } from '../lib/router';
import { ScopeList, StatusBadge } from './key-bits';

interface KeyDetailsProps {
  apiKey: ApiKey;
  organizations: Organization[];
  projects: Project[];
}

const keyLink = (id: string) => `/settings/api-keys/${id}`;

function binding(key: ApiKey, organizations: Organization[], projects: Project[]): string {
  const project = key.projectId ? projects.find((candidate) => candidate.id === key.projectId) : undefined;
  const organizationId = key.organizationId ?? project?.organizationId;
  const organization = organizationId ? organizations.find((candidate) => candidate.id === organizationId) : undefined;
  if (key.projectId) return `Project ${organization ? `${organization.name} / ` : ''}${project?.name ?? key.projectId}`;
  if (key.organizationId) return `Organisation ${organization?.name ?? key.organizationId}`;
  return 'None: everything its owner can reach';
}

export function KeyDetails({ apiKey: key, organizations, projects }: KeyDetailsProps) {
  const rows: Array<[string, React.ReactNode]> = [
    ['Name', key.name],
    ['Key', <code key="prefix">{key.keyPrefix}…</code>],
    ['Status', <StatusBadge key="status" status={key.status} />],
    ['Scopes', <ScopeList key="scopes" scopes={key.scopes} />],
    ['Created', formatDateTime(key.createdAt)],
    ['Last used', formatDateTime(key.lastUsedAt, 'Never')],
    ['Expires', formatDateTime(key.expiresAt, 'Never')],
    ['Rate limit', key.rateLimit ? `${key.rateLimit.limit} requests per ${formatDuration(key.rateLimit.windowSeconds)}` : 'The default'],
    [
      'Quota',
      key.quota
        ? `${key.quota.used} of ${key.quota.limit} requests used this ${key.quota.period}; refills ${formatDateTime(key.quota.resetsAt)}`
        : 'None',
    ],
    ['IP allowlist', key.allowedIps ? key.allowedIps.join(', ') : 'Any address'],
    [
      'Rotation policy',
      key.rotationPolicy
        ? `Every ${key.rotationPolicy.everyDays} days; the old key works ${formatDuration(key.rotationPolicy.gracePeriodSeconds)} more; notice ${key.rotationPolicy.notifyDaysBefore} days before`
        : 'None: rotated by hand',
    ],
    ['Organisation or project', binding(key, organizations, projects)],
  ];
  if (key.rotationDueAt) rows.push(['Next rotation', formatDateTime(key.rotationDueAt)]);
  if (key.rotatedAt) rows.push(['Rotated', formatDateTime(key.rotatedAt)]);
  if (key.replacedById)
    rows.push([
      'Replaced by',
      <Link key="successor" to={keyLink(key.replacedById)}>
        the successor key
      </Link>,
    ]);
  if (key.parentKeyId)
    rows.push([
      'Minted by',
      <Link key="parent" to={keyLink(key.parentKeyId)}>
        its parent key
      </Link>,
    ]);
  if (key.revokedAt) rows.push(['Revoked', formatDateTime(key.revokedAt)]);
  return (
    <dl className="details">
      {rows.map(([term, value]) => (
        <div key={term} className="details-row">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
