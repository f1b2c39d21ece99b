import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-codes';

export class FieldErrorDto {
  @ApiProperty({ example: 'name' })
  field: string;

  @ApiProperty({ type: [String], example: ['name must be shorter than or equal to 100 characters'] })
  messages: string[];
}

export class ErrorResponseDto {
  @ApiProperty({ enum: [false] })
  success: false;

  @ApiProperty({ example: 'Human readable message' })
  error: string;

  @ApiProperty({ enum: Object.values(ErrorCode), example: 'validation_failed' })
  code: string;

  @ApiProperty({ example: '6f1c2f0e-3f0b-4f59-9d1b-2a1e0c9a7b10' })
  requestId: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Field messages, on validation_failed' })
  details?: FieldErrorDto[];

  @ApiPropertyOptional({ description: 'Seconds until a retry can pass, on 429' })
  retryAfter?: number;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  limit: number;

  @ApiProperty({ example: 42 })
  total: number;
}
