import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { IsScope } from '../../common/validation/is-scope.decorator';

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: [String], description: 'Narrowing only: a subset of the key’s current scopes' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsScope({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'Deactivate (false) or reactivate (true) the key' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}
