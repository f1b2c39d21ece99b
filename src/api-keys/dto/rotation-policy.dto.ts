import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateBy, ValidationArguments } from 'class-validator';

export const MAX_ROTATION_DAYS = 3650;

/** A notice must come before the rotation it announces: fewer days ahead than the rotation period. */
function IsLessThanEveryDays(): PropertyDecorator {
  return ValidateBy({
    name: 'isLessThanEveryDays',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const everyDays = (args?.object as RotationPolicyDto | undefined)?.everyDays;
        return typeof value !== 'number' || typeof everyDays !== 'number' || value < everyDays;
      },
      defaultMessage: () => 'notifyDaysBefore must be less than everyDays',
    },
  });
}

/** A rotation schedule as a client sets it; omitted fields take their defaults. */
export class RotationPolicyDto {
  @ApiProperty({ minimum: 1, maximum: MAX_ROTATION_DAYS, example: 90, description: 'Rotate the key every this many days' })
  @IsInt()
  @Min(1)
  @Max(MAX_ROTATION_DAYS)
  everyDays: number;

  @ApiPropertyOptional({
    minimum: 0,
    example: 86_400,
    description: 'How long a replaced key keeps working, in seconds (default KEY_ROTATION_GRACE, at most KEY_ROTATION_MAX_GRACE)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(90 * 86_400)
  gracePeriodSeconds?: number;

  @ApiPropertyOptional({
    minimum: 0,
    example: 7,
    description: 'Days before each rotation that the key.rotation_due webhook is sent (less than everyDays; default min(7, everyDays - 1))',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_DAYS - 1)
  @IsLessThanEveryDays()
  notifyDaysBefore?: number;
}

/** A key's rotation schedule as stored, every default resolved. */
export class RotationPolicyViewDto {
  @ApiProperty({ minimum: 1, maximum: MAX_ROTATION_DAYS, example: 90 })
  everyDays: number;

  @ApiProperty({ minimum: 0, example: 86_400, description: 'Grace period of each scheduled rotation, in seconds' })
  gracePeriodSeconds: number;

  @ApiProperty({ minimum: 0, example: 7, description: 'Days before each rotation that key.rotation_due is sent' })
  notifyDaysBefore: number;
}
