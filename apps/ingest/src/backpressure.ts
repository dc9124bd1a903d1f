import { ApiError } from '@ferry/contracts';
import type { Store } from '@ferry/store';
import { CachedReading } from './cached-reading';

export interface BackpressureOptions {
  store: Store;
  /** Most unfinished deliveries of one tenant, over all shards. */
  maxBacklog: number;
  /** Share of Redis `maxmemory` at which publishing stops; ignored while maxmemory is 0. */
  maxMemoryFraction: number;
  backlogMaxAgeMs?: number;
  memoryMaxAgeMs?: number;
}

interface MemoryReading {
  usedMemory: number;
  maxMemory: number;
}

/** Called once the messages an admission let in are written, or refused by the store. */
export type AdmissionSettled = () => void;

/**
 * Refuses new messages while Ferry is behind: when a tenant's unfinished deliveries would pass
 * FERRY_MAX_BACKLOG, or Redis is near its `maxmemory` (past it, Redis refuses every write and
 * the dispatchers could no longer record deliveries either). Both readings are cached briefly
 * (see CachedReading), so the check costs no round trip on most requests. Messages accepted
 * here count against the cached backlog at once; each request checks the count as it stands
 * when it resumes; and a read of the backlog adds the messages accepted but not yet written,
 * which it may not see. So a burst cannot slip past the limit between two reads or while one is
 * under way. Several ingest processes each keep their own count and may pass the limit
 * together by what they accept within one cache period: it is a brake, not a quota.
 */
export class Backpressure {
  private readonly backlogs = new Map<string, CachedReading<number>>();
  /** Per tenant, messages admitted whose enqueue has not settled yet. */
  private readonly unwritten = new Map<string, number>();
  private readonly memory: CachedReading<MemoryReading>;
  private readonly backlogMaxAgeMs: number;

  constructor(private readonly options: BackpressureOptions) {
    this.backlogMaxAgeMs = options.backlogMaxAgeMs ?? 250;
    this.memory = new CachedReading(() => this.readMemory(), options.memoryMaxAgeMs ?? 1_000);
  }

  /**
   * Throws RATE_LIMITED when `count` more messages of `tenant` may not be accepted now, and
   * PAYLOAD_TOO_LARGE when they never could be (more than the limit at once); otherwise counts
   * them in the tenant's backlog. Call it right before enqueueing them, and what it returns
   * once the enqueue is over, however it ended.
   */
  async admit(tenant: string, count: number): Promise<AdmissionSettled> {
    const { maxBacklog, maxMemoryFraction } = this.options;
    if (count > maxBacklog) {
      // No wait would help: even an empty backlog could not take it.
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `${count} messages at once pass the backlog limit of ${maxBacklog} however empty it is; send smaller batches`,
        { maxBacklog },
      );
    }
    const backlogReading = this.backlogOf(tenant);
    const [read, memory] = await Promise.all([backlogReading.get(), this.memory.get()]);
    // Requests that waited on one read all got its number; what those resumed before this one
    // accepted since is in the current value. Checked and counted with no wait between.
    const backlog = backlogReading.current() ?? read;
    if (backlog + count > maxBacklog) {
      const more = count === 1 ? 'one more' : `${count} more`;
      throw new ApiError(
        'RATE_LIMITED',
        `${backlog} messages are waiting for delivery; accepting ${more} would pass the limit of ${maxBacklog}. Retry later`,
        { backlog, maxBacklog },
      );
    }
    const { usedMemory, maxMemory } = memory;
    if (maxMemory > 0 && usedMemory >= maxMemory * maxMemoryFraction) {
      const percent = Math.floor((usedMemory / maxMemory) * 100);
      throw new ApiError('RATE_LIMITED', `The message store is ${percent}% full; retry once queued messages are delivered`, {
        usedMemory,
        maxMemory,
      });
    }
    backlogReading.adjust((value) => value + count);
    this.unwritten.set(tenant, (this.unwritten.get(tenant) ?? 0) + count);
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      const left = (this.unwritten.get(tenant) ?? count) - count;
      if (left > 0) this.unwritten.set(tenant, left);
      else this.unwritten.delete(tenant);
    };
  }

  private backlogOf(tenant: string): CachedReading<number> {
    let reading = this.backlogs.get(tenant);
    if (reading === undefined) {
      reading = new CachedReading(() => this.readBacklog(tenant), this.backlogMaxAgeMs);
      this.backlogs.set(tenant, reading);
    }
    return reading;
  }

  /**
   * The tenant's backlog in Redis, plus the messages admitted before the read whose enqueue has
   * not settled: their writes may reach Redis after this read's, and the cached count they were
   * added to is about to be replaced. One whose write came first is counted twice until the next
   * read, which errs on the side of the limit.
   */
  private async readBacklog(tenant: string): Promise<number> {
    const { store } = this.options;
    const unwritten = this.unwritten.get(tenant) ?? 0;
    const counts = await Promise.all(
      Array.from({ length: store.options.shards }, (_, shard) => store.redis.hget(store.keys.backlog(shard), tenant)),
    );
    return counts.reduce((sum: number, count) => sum + Number(count ?? 0), unwritten);
  }

  private async readMemory(): Promise<MemoryReading> {
    const info = await this.options.store.redis.info('memory');
    return { usedMemory: infoNumber(info, 'used_memory'), maxMemory: infoNumber(info, 'maxmemory') };
  }
}

/** A numeric field of an INFO answer; 0 when absent (a managed Redis may hide maxmemory). */
function infoNumber(info: string, field: string): number {
  const value = Number(new RegExp(`^${field}:(\\d+)\\s*$`, 'm').exec(info)?.[1]);
  return Number.isFinite(value) ? value : 0;
}
