import { Injectable } from '@nestjs/common';

/** The source of "now" for every expiry decision, so tests can move time instead of sleeping. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  date(): Date {
    return new Date(this.now());
  }
}
