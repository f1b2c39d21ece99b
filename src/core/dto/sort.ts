import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

/** `field` sorts ascending, `-field` descending; only the listed fields are accepted (400 otherwise). */
export function sortValues(fields: readonly string[]): string[] {
  return fields.flatMap((field) => [field, `-${field}`]);
}

/** A `sort` query parameter limited to an allowlist of fields. */
export function IsSort(fields: readonly string[], defaultSort: string): PropertyDecorator {
  const values = sortValues(fields);
  return applyDecorators(
    ApiPropertyOptional({ enum: values, default: defaultSort, description: 'A field to sort by; prefix with - for descending' }),
    IsOptional(),
    IsIn(values, { message: `sort must be one of: ${values.join(', ')}` }),
  );
}

/** The ORDER BY for a validated sort value, on the given column of each field; ties broken by id. */
export function orderBy(sort: string, columns: Record<string, string>, idColumn: string): Record<string, 'ASC' | 'DESC'> {
  const descending = sort.startsWith('-');
  const column = columns[descending ? sort.slice(1) : sort];
  return { [column]: descending ? 'DESC' : 'ASC', [idColumn]: 'ASC' };
}
