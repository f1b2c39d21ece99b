import type { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../../api-keys/entities/api-key.entity';
import { RefreshTokenEntity } from '../../auth/entities/refresh-token.entity';
import { UserEntity } from '../../users/user.entity';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema';
import { AddKeyQuota1763910000000 } from './migrations/1763910000000-add-key-quota';
import { AddKeyRotation1763920000000 } from './migrations/1763920000000-add-key-rotation';
import { AddAuditEvents1763930000000 } from './migrations/1763930000000-add-audit-events';
import { AuditEventEntity } from '../../events/audit-event.entity';
import { AddWebhooks1763940000000 } from './migrations/1763940000000-add-webhooks';
import { AddKeyExpiryNotice1763950000000 } from './migrations/1763950000000-add-key-expiry-notice';
import { AddRotationPolicies1763970000000 } from './migrations/1763970000000-add-rotation-policies';
import { AddApiKeysCreatedAtIndex1763980000000 } from './migrations/1763980000000-add-api-keys-created-at-index';
import { AddWebhookEndpointHealth1763984000000 } from './migrations/1763984000000-add-webhook-endpoint-health';
import { AddKeyExpiryNoticeIndex1763984100000 } from './migrations/1763984100000-add-key-expiry-notice-index';
import { AddKnownLoginAddresses1763990000000 } from './migrations/1763990000000-add-known-login-addresses';
import { KnownLoginAddressEntity } from '../../auth/entities/known-login-address.entity';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../../events/webhook.entities';
import { AddOrganizations1763960000000 } from './migrations/1763960000000-add-organizations';
import { OrganizationEntity } from '../../organizations/entities/organization.entity';
import { OrganizationMemberEntity } from '../../organizations/entities/organization-member.entity';
import { ProjectEntity } from '../../organizations/entities/project.entity';

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
];

/** One set of options for the app, the CLI (`ormconfig.ts`) and the tests: never `synchronize`. */
export function dataSourceOptions(url: string, poolSize: number, migrationsRun: boolean): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    poolSize,
    extra: { connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 },
    logging: false,
  };
}
