import { Global, Module } from '@nestjs/common';
import { Clock } from './time/clock';

/** Plumbing every feature module may inject. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class CoreModule {}
