import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordService } from './password.service';
import { UserAccessService } from './user-access.service';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

/** Accounts: the users table, password hashing, and the cached view of who is active in which role. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UserRepository, UserAccessService, PasswordService],
  exports: [UserRepository, UserAccessService, PasswordService],
})
export class UsersModule {}
