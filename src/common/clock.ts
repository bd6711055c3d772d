import { Injectable } from '@nestjs/common';

/**
 * The time, for schedules that tests move forward (webhook retries and the failure window) instead of waiting.
 * Production reads the system clock.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
