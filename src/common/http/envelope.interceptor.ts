import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, map } from 'rxjs';
import { Envelope } from './envelope';

/** Wraps every successful handler result in the contract's `{ success: true, data, ... }` shape. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map(toSuccessBody));
  }
}

function toSuccessBody(result: unknown): unknown {
  if (result instanceof Envelope) {
    return {
      success: true,
      data: result.data,
      ...(result.message !== undefined ? { message: result.message } : {}),
      ...(result.meta !== undefined ? { meta: result.meta } : {}),
    };
  }
  return { success: true, data: result ?? null };
}
