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
