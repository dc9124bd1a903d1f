import { toSinkRecord, type Arrival } from './arrival';

/** What the sink saw of one request, as served by `GET /_sink/requests`. */
export interface SinkRecord {
  seq: number;
  /** Wall clock at arrival, ms since the epoch. */
  at: number;
  /** `process.hrtime.bigint()` at arrival, as a string: monotonic, for latency measurements. */
  atNs: string;
  /**
   * Wall clock at arrival in µs since the epoch (`performance.timeOrigin + performance.now()`),
   * comparable with the same reading in another process on this machine: the bench measures
   * publish-to-arrival latency with it.
   */
  atUs: number;
  method: string;
  /** Path with query, as sent. */
  path: string;
  headers: Record<string, string>;
  /** UTF-8 body, cut at 64 KiB; `bodyBytes` is the full length. */
  body: string;
  bodyBytes: number;
  messageId: string | null;
  attempt: number | null;
  /** Status the sink answered; null until it answers, and forever for hang or a client that left. */
  status: number | null;
}

export interface RecordFilter {
  messageId?: string;
  /** Only records with a larger seq, oldest first; without it, the newest. */
  since?: number;
  /** Most records answered (all when unset). */
  limit?: number;
}

/**
 * A ring buffer: a long benchmark must not grow the sink without bound, so the oldest record
 * goes once `capacity` records are kept, or once their bodies pass `maxBodyBytes` together
 * (up to 64 KiB each, large bodies would otherwise take gigabytes at the default capacity).
 */
export class RecordStore {
  private readonly slots: (Arrival | undefined)[];
  private start = 0;
  private size = 0;
  private bodyBytes = 0;
  // Not reset by clear(): a poller's `since` stays meaningful across a clear.
  private lastSeq = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBodyBytes = Infinity,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.slots = new Array<Arrival | undefined>(capacity);
  }

  /** Keeps an arrival and numbers it; the caller sets its status once answered. */
  add(fields: Omit<Arrival, 'seq'>): Arrival {
    const record: Arrival = { seq: ++this.lastSeq, ...fields };
    if (this.size === this.capacity) this.dropOldest();
    this.slots[(this.start + this.size) % this.capacity] = record;
    this.size++;
    this.bodyBytes += record.body.length;
    // The newest is always kept, however large.
    while (this.bodyBytes > this.maxBodyBytes && this.size > 1) this.dropOldest();
    return record;
  }

  private dropOldest(): void {
    this.bodyBytes -= this.slots[this.start]?.body.length ?? 0;
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
  }

  /**
   * Records in arrival order that match `filter`: with `since`, the first `limit` after it (a
   * poller pages on by passing the last seq it got); without, the last `limit` kept.
   */
  list(filter: RecordFilter = {}): SinkRecord[] {
    const limit = filter.limit ?? Infinity;
    const out: SinkRecord[] = [];
    const matches = (record: Arrival | undefined): record is Arrival =>
      record !== undefined && (filter.messageId === undefined || record.messageId === filter.messageId);
    if (filter.since === undefined) {
      for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
        const record = this.at(i);
        if (matches(record)) out.push(toSinkRecord(record));
      }
      return out.reverse();
    }
    // Seqs run on without gaps through the ring, so the first after `since` is found by arithmetic.
    const oldest = this.at(0)?.seq ?? this.lastSeq + 1;
    for (let i = Math.max(0, filter.since + 1 - oldest); i < this.size && out.length < limit; i++) {
      const record = this.at(i);
      if (matches(record)) out.push(toSinkRecord(record));
    }
    return out;
  }

  /** The i-th record kept, oldest first. */
  private at(i: number): Arrival | undefined {
    return this.slots[(this.start + i) % this.capacity];
  }

  clear(): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.size = 0;
    this.bodyBytes = 0;
  }
}
