import type { DataSourceOptions } from 'typeorm';
import { AddApiKeysCreatedAtIndex1763980000000 } from './core/database/migrations/1763980000000-add-api-keys-created-at-index';
import { AddAuditEvents1763930000000 } from './core/database/migrations/1763930000000-add-audit-events';
import { AddKeyExpiryNotice1763950000000 } from './core/database/migrations/1763950000000-add-key-expiry-notice';
import { AddKeyExpiryNoticeIndex1763984100000 } from './core/database/migrations/1763984100000-add-key-expiry-notice-index';
import { AddKeyQuota1763910000000 } from './core/database/migrations/1763910000000-add-key-quota';
import { AddKeyRotation1763920000000 } from './core/database/migrations/1763920000000-add-key-rotation';
import { AddKnownLoginAddresses1763990000000 } from './core/database/migrations/1763990000000-add-known-login-addresses';
import { AddOrganizations1763960000000 } from './core/database/migrations/1763960000000-add-organizations';
import { AccountRights1764200000000 } from './core/database/migrations/1764200000000-account-rights';
import { AddMfa1764100000000 } from './core/database/migrations/1764100000000-add-mfa';
import { AddSessions1764000000000 } from './core/database/migrations/1764000000000-add-sessions';
import { AddOAuth1764600000000 } from './core/database/migrations/1764600000000-add-oauth';
import { AddKeyCertificateBinding1764650000000 } from './core/database/migrations/1764650000000-add-key-certificate-binding';
import { AddSigningKeys1764500000000 } from './core/database/migrations/1764500000000-add-signing-keys';
import { AddRotationPolicies1763970000000 } from './core/database/migrations/1763970000000-add-rotation-policies';
import { AddWebhookEndpointHealth1763984000000 } from './core/database/migrations/1763984000000-add-webhook-endpoint-health';
import { AddWebhooks1763940000000 } from './core/database/migrations/1763940000000-add-webhooks';
import { ApiKeyEntity } from './api-keys/entities/api-key.entity';
import { AuditEventEntity } from './events/audit-event.entity';
import { InitialSchema1763900000000 } from './core/database/migrations/1763900000000-initial-schema';
import { KnownLoginAddressEntity } from './auth/entities/known-login-address.entity';
import { OrganizationEntity } from './organizations/entities/organization.entity';
import { OrganizationMemberEntity } from './organizations/entities/organization-member.entity';
import { ProjectEntity } from './organizations/entities/project.entity';
import { RefreshTokenEntity } from './auth/entities/refresh-token.entity';
import { MfaChallengeEntity, MfaRecoveryCodeEntity, MfaTotpEntity } from './auth/mfa/mfa.entities';
import { SessionEntity } from './auth/sessions/session.entity';
import { SigningKeyEntity } from './auth/signing/signing-key.entity';
import { UserEntity } from './users/user.entity';
import { OAuthApplicationEntity } from './oauth/applications/oauth-application.entity';
import { OAuthRecordEntity } from './oauth/provider/oauth-record.entity';
import { OAuthRevokedTokenEntity } from './oauth/tokens/revoked-token.entity';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './events/webhook.entities';
import { postgresOptions } from './core/database/data-source-options';

/**
 * The schema: every feature's entities and the migrations that build their tables, listed here
 * at the composition root because the database plumbing in core/ may not import features.
 */
export const ENTITIES = [
  UserEntity,
  RefreshTokenEntity,
  ApiKeyEntity,
  AuditEventEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  ProjectEntity,
  KnownLoginAddressEntity,
  SessionEntity,
  MfaTotpEntity,
  MfaRecoveryCodeEntity,
  MfaChallengeEntity,
  SigningKeyEntity,
  OAuthApplicationEntity,
  OAuthRecordEntity,
  OAuthRevokedTokenEntity,
];
export const MIGRATIONS = [
  InitialSchema1763900000000,
  AddKeyQuota1763910000000,
  AddKeyRotation1763920000000,
  AddAuditEvents1763930000000,
  AddWebhooks1763940000000,
  AddKeyExpiryNotice1763950000000,
  AddOrganizations1763960000000,
  AddRotationPolicies1763970000000,
  AddApiKeysCreatedAtIndex1763980000000,
  AddWebhookEndpointHealth1763984000000,
  AddKeyExpiryNoticeIndex1763984100000,
  AddKnownLoginAddresses1763990000000,
  AddSessions1764000000000,
  AccountRights1764200000000,
  AddMfa1764100000000,
  AddSigningKeys1764500000000,
  AddOAuth1764600000000,
  AddKeyCertificateBinding1764650000000,
];

/** One set of options for the app, the CLI (`ormconfig.ts`) and the tests: never `synchronize`. */
export function dataSourceOptions(url: string, poolSize: number, migrationsRun: boolean): DataSourceOptions {
  return postgresOptions({ entities: ENTITIES, migrations: MIGRATIONS }, url, poolSize, migrationsRun);
}
