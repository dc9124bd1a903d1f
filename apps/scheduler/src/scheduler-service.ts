import { FailureLog, type Logger } from '@ferry/runtime';
import { expireFinished, promoteDue, pruneDestinations, reapExpired, RecentDestinations, type Store } from '@ferry/store';
import type { SchedulerMetrics } from './metrics';

export interface SchedulerOptions {
  store: Store;
  metrics: SchedulerMetrics;
  log: Logger;
  /** Longest sleep between looks at the due sets (bounds how late a due delivery can be). */
  tickMs: number;
  reapIntervalMs: number;
  retentionMs: number;
}

const PROMOTE_BATCH = 500;
const REAP_BATCH = 500;
const EXPIRE_BATCH = 1_000;
const PRUNE_BATCH = 100;
const EXPIRE_INTERVAL_MS = 5_000;
const ERROR_PAUSE_MS = 1_000;

/**
 * Three loops over every shard: promote due deliveries, take back expired leases, forget
 * finished deliveries after the retention period. Every step re-checks each id inside its
 * script, so several schedulers can run at once; they only share the work.
 */
export class SchedulerService {
  private running = false;
  private loops: Promise<void>[] = [];
  private wakeSleepers = new Set<() => void>();
  /** Per shard, so that a due batch usually moves in one script call (see promoteDue). */
  private readonly recentDestinations: RecentDestinations[];

  constructor(private readonly options: SchedulerOptions) {
    this.recentDestinations = Array.from({ length: options.store.options.shards }, () => new RecentDestinations());
  }

  start(): void {
    this.running = true;
    this.loops = [
      this.every('promote', () => this.promote()),
      this.every('reap', () => this.reap()),
      this.every('expire', () => this.expire()),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.wakeSleepers) wake();
    await Promise.all(this.loops);
  }

  /**
   * Promotes what is due on every shard; answers how long to sleep before looking again: not at
   * all when a shard left due work behind, else until the next due time or the tick. The shards
   * are promoted concurrently, so their calls share a round trip instead of queueing behind one
   * another (behind a busy dispatcher's scripts, each round trip can wait milliseconds).
   */
  async promote(): Promise<number> {
    const { store, metrics, tickMs } = this.options;
    let sleep = tickMs;
    const results = await Promise.all(
      this.recentDestinations.map((recent, shard) => promoteDue(store, shard, PROMOTE_BATCH, recent)),
    );
    for (const result of results) {
      metrics.promoted.inc(result.promoted);
      if (result.nextDueAt !== undefined) sleep = Math.min(sleep, Math.max(0, result.nextDueAt - result.now));
    }
    return sleep;
  }

  async reap(): Promise<number> {
    const { store, metrics, log } = this.options;
    for (let shard = 0; shard < store.options.shards; shard++) {
      for (;;) {
        const { requeued, deadLettered } = await reapExpired(store, shard, REAP_BATCH);
        if (requeued + deadLettered === 0) break;
        metrics.leasesExpired.inc({ outcome: 'requeued' }, requeued);
        metrics.leasesExpired.inc({ outcome: 'dead_lettered' }, deadLettered);
        log.warn({ shard, requeued, deadLettered }, 'expired leases taken back');
        if (requeued + deadLettered < REAP_BATCH) break;
      }
    }
    return this.options.reapIntervalMs;
  }

  /** Forgets finished deliveries, and destinations idle for as long, after the retention period. */
  async expire(): Promise<number> {
    const { store, metrics, retentionMs } = this.options;
    for (let shard = 0; shard < store.options.shards; shard++) {
      let forgotten: number;
      do {
        forgotten = await expireFinished(store, shard, retentionMs, EXPIRE_BATCH);
        metrics.expired.inc(forgotten);
      } while (forgotten === EXPIRE_BATCH && this.running);
      metrics.destinationsForgotten.inc(await pruneDestinations(store, shard, retentionMs, PRUNE_BATCH));
    }
    return EXPIRE_INTERVAL_MS;
  }

  private async every(name: string, step: () => Promise<number>): Promise<void> {
    const failures = new FailureLog({
      log: this.options.log,
      fields: { loop: name },
      failed: 'scheduler step failed; retrying',
      recovered: 'scheduler step works again',
    });
    while (this.running) {
      let sleepMs: number;
      try {
        sleepMs = await step();
        failures.succeeded();
      } catch (err) {
        failures.failed(err);
        sleepMs = ERROR_PAUSE_MS;
      }
      if (this.running && sleepMs > 0) await this.sleep(sleepMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleepers.add(done);
    });
  }
}
