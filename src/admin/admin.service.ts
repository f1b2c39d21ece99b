import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { ApiKeyVerifier } from '../api-keys/api-key-verifier.service';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { AdminApiKeyResponseDto } from '../api-keys/dto/api-key-response.dto';
import { ApiKeyEntity } from '../api-keys/entities/api-key.entity';
import { UserResponseDto } from '../auth/dto/auth-response.dto';
import { UserEntity } from '../users/user.entity';
import { TokenService } from '../auth/token.service';
import { UserAccessService } from '../users/user-access.service';
import { toUserResponse } from '../auth/user.mapper';
import { conflict, notFound, validationFailed } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { Clock } from '../core/time/clock';
import { decodeCursor, listAdminKeys } from './admin-key-list';
import { AdminKeysQueryDto, AdminUsersQueryDto, UpdateUserDto } from './dto/admin.dto';

@Injectable()
export class AdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly verifier: ApiKeyVerifier,
    private readonly userAccess: UserAccessService,
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async listKeys(query: AdminKeysQueryDto): Promise<Page<AdminApiKeyResponseDto> & { nextCursor: string | null }> {
    const { rows, total, nextCursor } = await listAdminKeys(
      this.dataSource.manager,
      {
        userId: query.userId,
        status: query.status,
        isActive: query.isActive,
        cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        skip: query.skip,
        take: query.limit,
      },
      this.clock.date(),
    );
    return { items: await Promise.all(rows.map((row) => this.apiKeys.toAdminResponse(row))), total, nextCursor };
  }

  async setKeyActive(id: string, isActive: boolean, audit: AuditContext): Promise<AdminApiKeyResponseDto> {
    await this.dataSource.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const key = await keys.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw notFound('API key');
      if (key.isActive === isActive) return;
      await keys.update({ id }, { isActive });
      await this.audit.record(manager, audit, {
        action: isActive ? 'key.activated' : 'key.deactivated',
        targetType: 'api_key',
        targetId: id,
        ownerId: key.userId,
        changes: { isActive: { from: key.isActive, to: isActive } },
      });
    });
    this.verifier.invalidate(id);
    const keys = this.dataSource.getRepository(ApiKeyEntity);
    return this.apiKeys.toAdminResponse(await keys.findOneOrFail({ where: { id }, relations: { owner: true } }));
  }

  async deleteKey(id: string, audit: AuditContext): Promise<void> {
    const children = await this.dataSource.transaction(async (manager) => {
      const key = await manager.getRepository(ApiKeyEntity).findOne({ where: { id } });
      if (!key) throw notFound('API key');
      // The keys it minted go with it: revoked (and audited) before the parent row disappears.
      const children = await this.apiKeys.revokeDescendants(manager, id, audit);
      await manager.getRepository(ApiKeyEntity).delete({ id });
      await this.audit.record(manager, audit, {
        action: 'key.deleted',
        targetType: 'api_key',
        targetId: id,
        ownerId: key.userId,
        changes: { name: { from: key.name, to: null }, ownerId: { from: key.userId, to: null } },
      });
      return children;
    });
    for (const keyId of [id, ...children]) this.verifier.invalidate(keyId);
  }

  async listUsers(query: AdminUsersQueryDto): Promise<Page<UserResponseDto>> {
    const where: FindOptionsWhere<UserEntity> = {};
    if (query.role !== undefined) where.role = query.role;
    if (query.isActive !== undefined) where.isActive = query.isActive;
    const [rows, total] = await this.dataSource.getRepository(UserEntity).findAndCount({
      where,
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: query.skip,
      take: query.limit,
    });
    return { items: rows.map(toUserResponse), total };
  }

  /**
   * Changes a user's role or status; takes effect on that user's next request. Deactivation also
   * ends every refresh session. The last active admin cannot be demoted or deactivated, so the
   * server can never be left without an administrator.
   */
  async updateUser(id: string, dto: UpdateUserDto, audit: AuditContext): Promise<UserResponseDto> {
    if (dto.role === undefined && dto.isActive === undefined) {
      throw validationFailed([{ field: 'body', messages: ['give role and/or isActive'] }]);
    }
    const updated = await this.dataSource.transaction(async (manager) => {
      const users = manager.getRepository(UserEntity);
      const user = await users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw notFound('User');
      const losesAdmin = user.role === 'admin' && user.isActive && (dto.role === 'user' || dto.isActive === false);
      if (losesAdmin) {
        // Serialise admin removals so two concurrent demotions cannot both pass the count.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('argus:admin-removal'))`);
        const admins = await users.countBy({ role: 'admin', isActive: true });
        if (admins <= 1) throw conflict('This is the last active admin; promote another admin first');
      }
      const before = { ...user };
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.isActive !== undefined) user.isActive = dto.isActive;
      const saved = await users.save(user);
      if (before.role !== saved.role) {
        await this.audit.record(manager, audit, {
          action: 'user.role_changed',
          targetType: 'user',
          targetId: id,
          changes: { role: { from: before.role, to: saved.role } },
        });
      }
      if (before.isActive !== saved.isActive) {
        await this.audit.record(manager, audit, {
          action: saved.isActive ? 'user.activated' : 'user.deactivated',
          targetType: 'user',
          targetId: id,
          changes: { isActive: { from: before.isActive, to: saved.isActive } },
        });
      }
      if (dto.isActive === false) await this.tokens.revokeAllForUser(id, manager);
      return saved;
    });
    this.userAccess.invalidate(id);
    return toUserResponse(updated);
  }
}
