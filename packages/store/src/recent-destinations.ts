/**
 * The destinations one shard's due deliveries went to lately, so that promotion can pass their
 * keys up front and move a due batch in one script call: a script names no key itself
 * (docs/decisions/0002-store-layout.md), and a destination it was not given costs a second
 * call. Bounded, oldest forgotten first, because every remembered destination adds two keys to
 * each call.
 */
export class RecentDestinations {
  private readonly destinations = new Set<string>();

  constructor(readonly capacity = 128) {}

  remember(destination: string): void {
    this.destinations.delete(destination);
    this.destinations.add(destination);
    for (const oldest of this.destinations) {
      if (this.destinations.size <= this.capacity) break;
      this.destinations.delete(oldest);
    }
  }

  /**
   * Remembers destinations listed earliest due first, of which only the first `capacity` can
   * be kept: those, so the earliest due deliveries move first. (Remembered in turn, the later
   * ones would push the earlier out, and a burst to many destinations would move latest first.)
   */
  rememberInDueOrder(destinations: readonly string[]): void {
    for (const destination of destinations.slice(0, this.capacity).reverse()) this.remember(destination);
  }

  /** Oldest first. */
  list(): string[] {
    return [...this.destinations];
  }
}
