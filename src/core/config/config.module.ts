import { DynamicModule, Global, Module, ValueProvider } from '@nestjs/common';

/** Provides each slice of the configuration, validated as a whole beforehand, under its own token. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(slices: ValueProvider[]): DynamicModule {
    return { module: ConfigModule, providers: slices, exports: slices.map((slice) => slice.provide) };
  }
}
