/**
 * The destinations one shard's due deliveries went to lately, so that promotion can pass their
 * keys up front and move a due batch in one script call: a script names no key itself
 * (docs/decisions/0002-store-layout.md), and a destination it was not given costs a second
 * call. Bounded, oldest forgotten first, because every remembered destination adds two keys to
 * each call.
 */
export class RecentDestinations {
  private readonly destinations = new Set<string>();

  constructor(readonly capacity = 32) {}

  remember(destination: string): void {
    this.destinations.delete(destination);
    this.destinations.add(destination);
    for (const oldest of this.destinations) {
      if (this.destinations.size <= this.capacity) break;
      this.destinations.delete(oldest);
    }
  }

  /** Oldest first. */
  list(): string[] {
    return [...this.destinations];
  }
}
