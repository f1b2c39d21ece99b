import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import type { ResourceAccess } from '../access/resource.decorators';
import { Page } from '../core/http/page';
import { AuditContext } from '../events/audit-context';
import { ApiKeyMapper } from './api-key.mapper';
import { ApiKeyRepository } from './api-key.repository';
import { AdminApiKeyResponseDto } from './dto/api-key-response.dto';
import { ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { KeyLifecycleService } from './key-lifecycle.service';

/** Every key bound to an organisation (or one of its projects), whoever owns it: for its owners and admins. */
@Injectable()
export class OrganizationKeysService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly lifecycle: KeyLifecycleService,
    private readonly mapper: ApiKeyMapper,
  ) {}

  async listOrganizationKeys(access: ResourceAccess, query: ListApiKeysQueryDto): Promise<Page<AdminApiKeyResponseDto>> {
    if (query.organizationId !== undefined && query.organizationId !== access.organizationId) return { items: [], total: 0 };
    const [rows, total] = await this.keys.listInBoundary(
      { organizationId: access.organizationId, ...(query.projectId ? { projectId: query.projectId } : {}) },
      { skip: query.skip, take: query.limit },
      { withOwner: true },
    );
    return { items: await Promise.all(rows.map((row) => this.mapper.toAdminResponse(row))), total };
  }

  /** Revokes any key bound to the organisation, with its descendants. */
  async revokeOrganizationKey(caller: Principal, access: ResourceAccess, id: string, audit: AuditContext): Promise<AdminApiKeyResponseDto> {
    const revoked = await this.lifecycle.revoke(caller, id, audit, access.organizationId);
    return this.mapper.toAdminResponse(await this.keys.getWithOwner(revoked.id));
  }
}
