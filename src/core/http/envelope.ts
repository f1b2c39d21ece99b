/** Pagination facts returned beside a page of results. */
export interface PageMeta {
  page: number;
  limit: number;
  total: number;
}

/**
 * What a handler returns when the envelope needs more than `data`: a human `message` or list
 * `meta`. Plain return values are wrapped as `{ success: true, data }`.
 */
export class Envelope<T> {
  constructor(
    readonly data: T,
    readonly message?: string,
    readonly meta?: PageMeta,
  ) {}

  static page<T>(items: T[], meta: PageMeta): Envelope<T[]> {
    return new Envelope(items, undefined, meta);
  }
}

/**
 * The contract's success body for a handler's result. Bodies that are already enveloped (errors
 * from the exception filter carry `success: false`) pass through untouched.
 */
export function toSuccessBody(result: unknown): unknown {
  if (result instanceof Envelope) {
    return {
      success: true,
      data: result.data as unknown,
      ...(result.message !== undefined ? { message: result.message } : {}),
      ...(result.meta !== undefined ? { meta: result.meta } : {}),
    };
  }
  if (typeof result === 'object' && result !== null && typeof (result as { success?: unknown }).success === 'boolean') return result;
  return { success: true, data: result ?? null };
}
