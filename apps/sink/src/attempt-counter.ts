/**
 * Counts how often the sink has seen each message, for the flaky and random-fail modes. Bounded
 * like the records: past `capacity` ids the oldest-seen is forgotten, so a long run stays flat.
 */
export class AttemptCounter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** Records one more attempt of `key` and returns its 1-based number. */
  next(key: string): number {
    const count = (this.seen.get(key) ?? 0) + 1;
    if (count === 1 && this.seen.size >= this.capacity) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    this.seen.set(key, count);
    return count;
  }

  clear(): void {
    this.seen.clear();
  }
}
