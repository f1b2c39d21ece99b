import type { ValueProvider } from '@nestjs/common';
import type { EnvReader } from './env-reader';

/**
 * The part of the configuration one module owns: read together with every other slice at
 * start-up, then injected alone (`@Inject(webhooksConfig.KEY) config: WebhooksConfig`).
 *
 * Argus's own equivalent of `@nestjs/config`'s `registerAs`: a `registerAs` factory reads
 * `process.env` by itself, inside Nest's container, when its provider is resolved; slices then
 * fail one at a time, after the database has started, and cannot read a given environment (the
 * tests' `loadConfig({...})`). Here every slice reads one `EnvReader`, which collects every
 * slice's problems into one ConfigError before anything starts.
 */
export interface ConfigSlice<T, Base = void> {
  /** Injection token of the slice's value. */
  readonly KEY: symbol;
  /** Reads the slice; problems go to `reader`. `base` is what the slice builds on (core settings). */
  read(reader: EnvReader, base: Base): T;
  /** The provider of the slice's value, for `ConfigModule.forRoot`. */
  provide(value: T): ValueProvider<T>;
}

export function defineConfig<T, Base = void>(name: string, read: (reader: EnvReader, base: Base) => T): ConfigSlice<T, Base> {
  const KEY = Symbol(`${name} config`);
  return { KEY, read, provide: (value) => ({ provide: KEY, useValue: value }) };
}
