import { wallClockUs } from './clock';
import { sleep, waitFor } from './wait';

export interface SinkStats {
  received: number;
  inFlight: number;
  maxInFlight: number;
  byStatus: Record<string, number>;
}

/** The fields of a sink record the bench reads. */
export interface SinkArrival {
  seq: number;
  /** Date.now() at arrival (ms): the same wall clock as this process's Date.now(). */
  at: number;
  /** Wall clock at arrival, µs since the epoch (see clock.ts). */
  atUs: number;
  messageId: string | null;
  status: number | null;
}

export interface ArrivalSpan {
  /** Wall clock of the first and of the `count`-th arrival, µs. */
  firstUs: number;
  lastUs: number;
  count: number;
}

const POLL_MS = 25;
/** Records asked for per listing: the most the sink answers at once. */
const PAGE_RECORDS = 10_000;

/**
 * The sink's control API. Its own requests are neither recorded nor counted, so polling it does
 * not disturb what is measured — beyond the CPU it takes to answer.
 */
export class SinkClient {
  /**
   * `cpuMicros` reads the sink process's CPU time so far (user + system, µs), when the caller
   * started that process and /proc has it.
   */
  constructor(
    readonly origin: string,
    readonly cpuMicros: () => number | undefined = () => undefined,
  ) {}

  /** A destination on the sink that answers 200. */
  url(name: string): string {
    return `${this.origin}/ok/${name}`;
  }

  async stats(): Promise<SinkStats> {
    return this.getJson<SinkStats>('/_sink/stats');
  }

  /**
   * How far the sink's `atUs` clock is ahead of this process's `wallClockUs()`, in µs. Both read
   * `performance.timeOrigin + performance.now()`, but each process fixes its time origin at start
   * and the two can disagree by milliseconds; the sample with the shortest round trip bounds the
   * error by half of it (tens of µs on loopback).
   */
  async clockOffsetUs(samples = 15): Promise<number> {
    let best = { roundTrip: Infinity, offset: 0 };
    for (let i = 0; i < samples; i++) {
      const before = wallClockUs();
      const { atUs } = await this.getJson<{ atUs: number }>('/_sink/clock');
      const after = wallClockUs();
      if (after - before < best.roundTrip) best = { roundTrip: after - before, offset: atUs - (before + after) / 2 };
    }
    return best.offset;
  }

  /** Records with a seq above `since`, oldest first (only those still in the sink's ring). */
  async arrivals(since = 0): Promise<SinkArrival[]> {
    const all: SinkArrival[] = [];
    for (;;) {
      const page = await this.page(since, PAGE_RECORDS);
      all.push(...page);
      if (page.length < PAGE_RECORDS) return all;
      since = page[page.length - 1]!.seq;
    }
  }

  /**
   * Waits for `count` arrivals after the first `after` the sink has seen (it must not have been
   * cleared since it started, so that the n-th arrival is record seq n), and answers when the
   * first and the last of them arrived. The first is read as soon as it has arrived, so the
   * sink's ring only needs to hold what arrives within a poll or two.
   */
  async spanOf(
    count: number,
    options: { after?: number; timeoutMs: number; signal: AbortSignal; onPoll?: (received: number) => void },
  ): Promise<ArrivalSpan> {
    const after = options.after ?? 0;
    let firstUs: number | undefined;
    await waitFor(
      async () => {
        const { received } = await this.stats();
        options.onPoll?.(received - after);
        if (firstUs === undefined && received > after) firstUs = await this.atUsOf(after + 1);
        return received >= after + count ? true : undefined;
      },
      { timeoutMs: options.timeoutMs, what: `${count} arrivals at the sink`, intervalMs: POLL_MS, signal: options.signal },
    );
    return { firstUs: firstUs ?? (await this.atUsOf(after + 1)), lastUs: await this.atUsOf(after + count), count };
  }

  /** Waits until `count` requests arrived or `timeoutMs` passed; answers how many arrived. */
  async waitForReceived(count: number, options: { timeoutMs: number; signal: AbortSignal; onPoll?: (received: number) => void }): Promise<number> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const { received } = await this.stats();
      options.onPoll?.(received);
      if (received >= count || Date.now() >= deadline) return received;
      await sleep(POLL_MS, options.signal);
    }
  }

  /** Up to `limit` records with a seq above `since`, oldest first. */
  private page(since: number, limit: number): Promise<SinkArrival[]> {
    return this.getJson<SinkArrival[]>(`/_sink/requests?since=${since}&limit=${limit}`);
  }

  private async atUsOf(seq: number): Promise<number> {
    const [record] = await this.page(seq - 1, 1);
    if (record?.seq !== seq) throw new Error(`sink record ${seq} is no longer in its ring; raise SINK_MAX_RECORDS for this run`);
    return record.atUs;
  }

  private async getJson<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`${this.origin}${pathAndQuery}`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`sink ${pathAndQuery} answered ${response.status}`);
    return (await response.json()) as T;
  }
}
