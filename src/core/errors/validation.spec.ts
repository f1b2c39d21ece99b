import { IsEmail, IsOptional, IsString, Length, MaxLength, ValidateNested, validate } from 'class-validator';
import { Type, plainToInstance } from 'class-transformer';
import { toFieldErrors } from './validation';

class Inner {
  @IsString()
  @Length(1, 10)
  label: string;
}

class Sample {
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  inner?: Inner;
}

async function fieldErrors(plain: object) {
  return toFieldErrors(await validate(plainToInstance(Sample, plain)));
}

describe('toFieldErrors', () => {
  it('says only "is required" for a missing required field', async () => {
    expect(await fieldErrors({})).toEqual([{ field: 'email', messages: ['email is required'] }]);
    expect(await fieldErrors({ email: 'a@example.com', inner: {} })).toEqual([
      { field: 'inner.label', messages: ['inner.label is required'] },
    ]);
  });

  it('keeps every message of a present but invalid value', async () => {
    const [error] = await fieldErrors({ email: 42 });
    expect(error.field).toBe('email');
    expect(error.messages.length).toBeGreaterThan(1);
    expect(error.messages).not.toContain('email is required');
  });
});
