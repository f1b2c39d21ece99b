import { ApiProperty } from '@nestjs/swagger';

export class ConsentResponseDto {
  @ApiProperty({ example: 'app_3b9f…' }) clientId: string;
  @ApiProperty() applicationName: string;
  @ApiProperty({ type: [String], example: ['openid', 'read:keys'] }) scopes: string[];
  @ApiProperty({ format: 'date-time' }) grantedAt: string;
}
