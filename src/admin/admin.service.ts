import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder } from '../events/audit-recorder';
import { UserResponseDto } from '../auth/dto/auth-response.dto';
import { UserRepository } from '../users/user.repository';
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
    private readonly users: UserRepository,
    private readonly userAccess: UserAccessService,
    private readonly tokens: TokenService,
    private readonly audit: AuditRecorder,
  ) {}

  async listUsers(query: AdminUsersQueryDto): Promise<Page<UserResponseDto>> {
    const [rows, total] = await this.users.list(
      { role: query.role, isActive: query.isActive, search: query.search },
      query.skip,
      query.limit,
    );
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
      const user = await this.users.getForUpdate(id, manager);
      if (!user) throw notFound('User');
      const losesAdmin = user.role === 'admin' && user.isActive && (dto.role === 'user' || dto.isActive === false);
      if (losesAdmin) {
        const admins = await this.users.countActiveAdminsExclusively(manager);
        if (admins <= 1) throw conflict('This is the last active admin; promote another admin first');
      }
      const before = { ...user };
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.isActive !== undefined) user.isActive = dto.isActive;
      const saved = await this.users.save(user, manager);
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
