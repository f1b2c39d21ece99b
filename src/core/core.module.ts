import { DynamicModule, Global, Module } from '@nestjs/common';
import { PasswordHashCost } from './crypto/password-hash-cost';
import { Clock } from './time/clock';

/** Plumbing every feature module may inject. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(clock: Clock = new Clock(), passwordHashCost: PasswordHashCost = new PasswordHashCost()): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: Clock, useValue: clock },
        { provide: PasswordHashCost, useValue: passwordHashCost },
      ],
      exports: [Clock, PasswordHashCost],
    };
  }
}
