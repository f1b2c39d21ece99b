import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock } from './time/clock';

/** Plumbing every feature module may inject. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(clock: Clock = new Clock()): DynamicModule {
    return { module: CoreModule, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
