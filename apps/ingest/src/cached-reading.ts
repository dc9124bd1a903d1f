/**
 * A value read from Redis and reused for at most `maxAgeMs`. Once half of that has passed, the
 * next caller starts a refresh in the background and still gets the cached value; only a caller
 * finding no value, or one past `maxAgeMs`, waits — and callers arriving meanwhile share that
 * read. So a steady stream of requests never waits on a read, and there is never more than one
 * read in flight.
 */
export class CachedReading<T> {
  private value: T | undefined;
  private readAt = -Infinity;
  private refreshing: Promise<T> | undefined;
  // Changes made while a read is in flight: the read was sent before them, so cannot show them.
  private changesDuringRead: ((value: T) => T)[] = [];

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws what the read threw when there is no value fresh enough to answer with. */
  async get(): Promise<T> {
    const age = this.now() - this.readAt;
    if (this.value !== undefined && age < this.maxAgeMs / 2) return this.value;
    const refresh = this.refresh();
    if (this.value !== undefined && age < this.maxAgeMs) {
      // In the background: a failure here is reported to whoever waits on the next read.
      refresh.catch(() => undefined);
      return this.value;
    }
    return refresh;
  }

  /**
   * The value as it stands now, with every change made since it was read; undefined before the
   * first read. Callers that waited on a shared read use it to see what the others who waited
   * with them have changed since.
   */
  current(): T | undefined {
    return this.value;
  }

  /**
   * Applies a change this process has just made to what the reading measures (such as messages
   * it enqueued), so the value stays right until the next read.
   */
  adjust(change: (value: T) => T): void {
    if (this.value !== undefined) this.value = change(this.value);
    if (this.refreshing !== undefined) this.changesDuringRead.push(change);
  }

  private refresh(): Promise<T> {
    if (this.refreshing !== undefined) return this.refreshing;
    const startedAt = this.now();
    this.changesDuringRead = [];
    const refreshing = this.read().then(
      (read) => {
        const value = this.changesDuringRead.reduce((current, change) => change(current), read);
        this.value = value;
        this.readAt = startedAt;
        this.refreshing = undefined;
        return value;
      },
      (err: unknown) => {
        this.refreshing = undefined;
        throw err;
      },
    );
    this.refreshing = refreshing;
    return refreshing;
  }
}
