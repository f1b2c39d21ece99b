import { UserResponseDto } from './dto/auth-response.dto';
import { UserEntity } from '../users/user.entity';

/** The public view of a user: never the password hash. */
export function toUserResponse(user: UserEntity): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    isActive: user.isActive,
    mfaEnabled: user.mfaEnabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
