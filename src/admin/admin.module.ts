import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AdminController } from './admin.controller';
import { AdminMfaController } from './admin-mfa.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [AuthModule, UsersModule, ApiKeysModule, EventsModule],
  controllers: [AdminController, AdminMfaController],
  providers: [AdminService],
})
export class AdminModule {}
