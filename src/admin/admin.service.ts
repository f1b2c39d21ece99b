import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { UserResponseDto } from '../auth/dto/auth-response.dto';
import { UserEntity } from '../users/user.entity';
import { TokenService } from '../auth/token.service';
import { UserAccessService } from '../users/user-access.service';
import { toUserResponse } from '../auth/user.mapper';
import { conflict, notFound, validationFailed } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { AdminUsersQueryDto, UpdateUserDto } from './dto/admin.dto';

@Injectable()
export class AdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly userAccess: UserAccessService,
    private readonly tokens: TokenService,
    private readonly audit: AuditRecorder,
  ) {}

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
