import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AdminController } from './admin.controller';
import { AdminMfaController } from './admin-mfa.controller';
import { AdminService } from './admin.service';
import { SigningKeysController } from './signing-keys.controller';

@Module({
  imports: [AuthModule, UsersModule, ApiKeysModule, EventsModule],
  controllers: [AdminController, AdminMfaController, SigningKeysController],
  providers: [AdminService],
})
export class AdminModule {}
