import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageMeta } from '../http/envelope';

export const MAX_PAGE_SIZE = 100;
/** Far beyond any real list, and keeps the offset a safe integer PostgreSQL takes as a bigint. */
export const MAX_PAGE = 1_000_000;

export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  get skip(): number {
    return (this.page - 1) * this.limit;
  }

  meta(total: number): PageMeta {
    return { page: this.page, limit: this.limit, total };
  }
}
