/**
 * Ids of the invalidations already applied, so the copy that arrives over the second channel is
 * dropped. Bounded in count and age: a copy arrives within milliseconds of the first, or never.
 */
export class SeenMessages {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `id` is seen (and remembers it), false for a repeat. */
  first(id: string): boolean {
    const now = this.now();
    const seenAt = this.ids.get(id);
    if (seenAt !== undefined && now - seenAt < this.ttlMs) return false;
    this.ids.delete(id);
    this.ids.set(id, now);
    for (const [oldest, at] of this.ids) {
      if (this.ids.size <= this.maxEntries && now - at < this.ttlMs) break;
      this.ids.delete(oldest);
    }
    return true;
  }
}
