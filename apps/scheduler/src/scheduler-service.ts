import { FailureLog, type Logger } from '@ferry/runtime';
import {
  expireFinished,
  promoteDue,
  pruneDestinations,
  reapExpired,
  RecentDestinations,
  recountReady,
  type PromoteResult,
  type Store,
} from '@ferry/store';
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
  /** Set by stop(): a pass over the shards ends after the step running (eachShard). */
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wakeSleepers = new Set<() => void>();
  /** What the loops keep of each shard between their steps. */
  private readonly shards: ShardState[];
  /** Promotion failing on some shards only: logged here, since the loop goes on without a pause. */
  private readonly partialPromotion: FailureLog;
  /** Making a ready count failing: logged here, since expiry goes on without it. */
  private readonly readyCounting: FailureLog;

  constructor(private readonly options: SchedulerOptions) {
    this.shards = Array.from({ length: options.store.options.shards }, () => ({
      recent: new RecentDestinations(),
      pruneFrom: 0,
      readyCounted: false,
    }));
    this.partialPromotion = new FailureLog({
      log: options.log,
      fields: { loop: 'promote' },
      failed: 'promotion failed on some shards; retrying',
      recovered: 'promotion works again on every shard',
    });
    this.readyCounting = new FailureLog({
      log: options.log,
      fields: { loop: 'expire' },
      failed: 'making the ready count failed; retrying',
      recovered: 'making the ready count works again',
    });
  }

  start(): void {
    this.running = true;
    this.stopping = false;
    this.loops = [
      this.every('promote', () => this.promote()),
      this.every('reap', () => this.reap()),
      this.every('expire', () => this.expire()),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
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
    const results = await Promise.allSettled(
      this.shards.map((state, shard) => promoteDue(store, shard, PROMOTE_BATCH, state.recent, mayBeDue(state, this.options.tickMs))),
    );
    const failures: ShardFailure[] = [];
    results.forEach((result, shard) => {
      const state = this.shards[shard]!;
      if (result.status === 'rejected') {
        state.lastPromotion = undefined;
        return void failures.push({ shard, err: result.reason });
      }
      state.lastPromotion = { ...result.value, at: performance.now() };
      metrics.promoted.inc(result.value.promoted);
      if (result.value.nextDueAt !== undefined) sleep = Math.min(sleep, Math.max(0, result.value.nextDueAt - result.value.now));
    });
    if (failures.length === results.length) throw new ShardsFailed(failures);
    // The shards that work go on at their pace; the failing ones are logged and retried shortly.
    if (failures.length > 0) {
      this.partialPromotion.failed(new ShardsFailed(failures));
      return Math.min(sleep, ERROR_PAUSE_MS);
    }
    this.partialPromotion.succeeded();
    return sleep;
  }

  async reap(): Promise<number> {
    const { store, metrics, log } = this.options;
    await eachShard(store.options.shards, () => !this.stopping, async (shard) => {
      let more: boolean;
      do {
        const reaped = await reapExpired(store, shard, REAP_BATCH);
        more = reaped.more;
        const { requeued, deadLettered } = reaped;
        if (requeued + deadLettered === 0) continue;
        metrics.leasesExpired.inc({ outcome: 'requeued' }, requeued);
        metrics.leasesExpired.inc({ outcome: 'dead_lettered' }, deadLettered);
        log.warn({ shard, requeued, deadLettered }, 'expired leases taken back');
      } while (more && this.running);
    });
    return this.options.reapIntervalMs;
  }

  /**
   * Forgets finished deliveries, and destinations idle for as long, after the retention period.
   * Until it has succeeded once, each pass over a shard first makes the shard's ready count
   * exact if no scheduler has yet; expiry does not wait for it, since at Redis's memory limit
   * the count cannot be written while expiry is what frees memory.
   */
  async expire(): Promise<number> {
    const { store, metrics, retentionMs } = this.options;
    await eachShard(store.options.shards, () => !this.stopping, async (shard) => {
      const state = this.shards[shard]!;
      if (!state.readyCounted) await this.countReady(shard, state);
      let forgotten: number;
      do {
        forgotten = await expireFinished(store, shard, retentionMs, EXPIRE_BATCH);
        metrics.expired.inc(forgotten);
      } while (forgotten === EXPIRE_BATCH && this.running);
      const pruned = await pruneDestinations(store, shard, retentionMs, PRUNE_BATCH, state.pruneFrom);
      metrics.destinationsForgotten.inc(pruned.forgotten);
      // Destinations kept for their settings or work stay at the head of the idle ones: the next
      // look starts past them, and from the start again once it has reached the end.
      state.pruneFrom = pruned.listed < PRUNE_BATCH ? 0 : state.pruneFrom + pruned.kept;
    });
    return EXPIRE_INTERVAL_MS;
  }

  /** Makes a shard's ready count exact, once (see recountReady); a failure is logged and retried on the next pass. */
  private async countReady(shard: number, state: ShardState): Promise<void> {
    try {
      const made = await recountReady(this.options.store, shard);
      state.readyCounted = true;
      this.readyCounting.succeeded();
      // Worth a line when an older keyspace had ready work; a new one counts nothing.
      if (made !== undefined) this.options.log[made > 0 ? 'info' : 'debug']({ shard, ready: made }, 'ready count made from the ready lists');
    } catch (err) {
      this.readyCounting.failed(new ShardsFailed([{ shard, err }]));
    }
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

/** What the loops keep of one shard between their steps. */
interface ShardState {
  /** Its destinations lately due, so that a due batch usually moves in one script call (see promoteDue). */
  recent: RecentDestinations;
  /** What its last promotion answered, and when (performance.now()): see mayBeDue. */
  lastPromotion?: PromoteResult & { at: number };
  /** How many idle destinations its next prune skips (see expire). */
  pruneFrom: number;
  /** Whether its ready count is known to be exact (see recountReady). */
  readyCounted: boolean;
}

/**
 * Whether a shard's next promotion is likely to find work due: its last look found the next
 * due time within a tick of now (Redis's time then, plus what has passed here since), or
 * there was no last look. Otherwise the look goes without the destinations' keys.
 */
function mayBeDue({ lastPromotion: last }: ShardState, tickMs: number): boolean {
  if (last === undefined) return true;
  if (last.nextDueAt === undefined) return false;
  return last.nextDueAt <= last.now + (performance.now() - last.at) + tickMs;
}

interface ShardFailure {
  shard: number;
  err: unknown;
}

/** Steps that failed on some shards: the message names each shard and why. */
class ShardsFailed extends Error {
  constructor(readonly failures: readonly ShardFailure[]) {
    super(failures.map(({ shard, err }) => `shard ${shard}: ${err instanceof Error ? err.message : String(err)}`).join('; '), {
      cause: failures[0]?.err,
    });
    this.name = 'ShardsFailed';
  }
}

/**
 * Runs `step` on every shard in turn while `goOn()`; a shard that fails does not hold back
 * the ones after it. The failures are thrown together once all have run, for the loop to log
 * and pause. A stop ends the pass after the step running: while Redis is unreachable each step
 * takes seconds to fail, and a pass over every shard would hold the stop that long.
 */
async function eachShard(shards: number, goOn: () => boolean, step: (shard: number) => Promise<void>): Promise<void> {
  const failures: ShardFailure[] = [];
  for (let shard = 0; shard < shards && goOn(); shard++) {
    try {
      await step(shard);
    } catch (err) {
      failures.push({ shard, err });
    }
  }
  if (failures.length > 0) throw new ShardsFailed(failures);
}
