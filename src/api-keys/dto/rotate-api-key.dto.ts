import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    minimum: 0,
    description:
      'How long the old key keeps working, in seconds (default KEY_ROTATION_GRACE, at most KEY_ROTATION_MAX_GRACE; 0 ends it now)',
    example: 3600,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(90 * 86_400)
  gracePeriodSeconds?: number;
}
