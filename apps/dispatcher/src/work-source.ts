import { randomUUID } from 'node:crypto';
import { inOneWrite, type Logger, type Redis } from '@ferry/runtime';
import { HANDOFF_TTL_MS, registerWaiter, takeHandedOver, unregisterWaiter, type ClaimedDelivery, type Store, type Waiter, type WorkSignal } from '@ferry/store';
import type { AckBatcher } from './ack-batcher';
import type { DispatcherMetrics } from './metrics';

/**
 * How long a shard that had nothing is skipped while other shards keep the dispatcher busy: new
 * work there waits at most this long (an idle dispatcher is woken at once instead).
 */
const DEFAULT_IDLE_SHARD_SKIP_MS = 20;

/** Most deliveries taken from each shard's handoff list when this dispatcher stops waiting. */
const LEFTOVERS_PER_SHARD = 100;

/**
 * How long stop() waits for the blocking wait to end once its connection is closed: at once
 * when the wait reached Redis; never when Redis was unreachable and the client still holds the
 * command for a connection that will not come (and then nothing can be handed over on it).
 */
const WAIT_END_GRACE_MS = 1_000;

export interface WorkSourceOptions {
  store: Store;
  /** A connection of its own: waiting for work blocks it. */
  blocking: Redis;
  /** Pending acks are sent just before each claim, on the same connection. */
  acks: AckBatcher;
  log: Logger;
  claimBatch: number;
  leaseMs: number;
  /** Concurrency cap of a destination without one of its own (held across all dispatchers). */
  destinationConcurrency: number;
  /** Longest wait on the wake-up lists before looking for work anyway. */
  idleWaitSeconds?: number;
  /** How long a shard whose claim found nothing is left out of busy claim rounds (default 20 ms). */
  idleShardSkipMs?: number;
  /** False once the dispatcher is stopping: a failed wait is then expected. */
  isRunning: () => boolean;
  /**
   * Receives every leased delivery: a claim's batches, and deliveries handed over on arrival.
   * `leasedSince` is a `performance.now()` reading at or before their leases began;
   * `checkedSince`, when given, one at or before their destination's pause was last looked at
   * (a hand-over left waiting, which may be seconds old), where the default is now.
   */
  take: (deliveries: ClaimedDelivery[], leasedSince: number, checkedSince?: number) => void;
  metrics: Pick<DispatcherMetrics, 'handedOver'>;
}

/**
 * Where a dispatcher's deliveries come from: claims across the shards, and the wait for work
 * when none has any. Shards that just had nothing are skipped for a moment; a wake-up token
 * points the next claim at its shard and destination. While it waits, the dispatcher is
 * registered as waiting, and a delivery that arrives is handed to it already leased, with no
 * claim (docs/decisions/0006-hand-off-to-a-waiting-dispatcher.md).
 */
export class WorkSource {
  /** Per shard: until when (performance.now()) it is taken for idle (it had nothing), so busy rounds skip it. */
  private readonly idleUntil: number[];
  /** Per shard: the destination a wake-up token named, tried first by the next claim there. */
  private readonly hints = new Map<number, string>();
  /**
   * Per shard: the earliest time (performance.now()) one of its parked destinations (Retry-After,
   * rate limit) may send again, as its last claim answered, counted from the answer on this
   * process's monotonic clock (Redis's clock and this one's need not agree). Kept for shards a
   * claim round skips, and such a shard is claimed again once its time comes.
   */
  private readonly parkedAt: number[];
  /** In waitForWork(): nothing to claim, perhaps until pending acks free a destination's slots. */
  private waiting = false;
  /** The blocking wait on the handoff and wake-up lists, while one runs. */
  private wakeWatch: Promise<void> | undefined;
  /** Registered as waiting (since the last wait began), so deliveries may be handed over. */
  private registered = false;
  /** stopWaiting()'s work while it runs: stop() lets it finish, so what it takes is handed back. */
  private unregistering: Promise<void> | undefined;
  /** How this dispatcher registers as waiting, so that arriving deliveries are handed to it. */
  private readonly waiter: Waiter;

  constructor(private readonly options: WorkSourceOptions) {
    this.idleUntil = new Array<number>(options.store.options.shards).fill(0);
    this.parkedAt = new Array<number>(options.store.options.shards).fill(Infinity);
    this.waiter = { instance: randomUUID(), leaseMs: options.leaseMs, defaultConcurrency: options.destinationConcurrency };
  }

  /** True while waiting for work. */
  get isWaiting(): boolean {
    return this.waiting;
  }

  /**
   * Claims up to `room` deliveries from each shard not skipped for having just had nothing, and
   * from each whose parked destination may send now, handing each shard's batch to `take` as it
   * arrives; answers how many it got. The shards are asked at once, so a look at idle ones costs
   * no extra wait. Busy shards may together lease more than `room` (at most a batch per shard);
   * the caller buffers the surplus.
   */
  async claim(room: number): Promise<number> {
    const { store, claimBatch, leaseMs, destinationConcurrency, take } = this.options;
    const now = performance.now();
    const allIdle = this.idleUntil.every((until) => until > now);
    // Woken for a shard: that one is where the work is. Otherwise every shard not skipped (all,
    // when every one is). Either way, every shard whose parked destination may send now.
    const woken = allIdle && this.hints.size > 0;
    const shards = this.idleUntil.flatMap((until, shard) => {
      const parkedDue = this.parkedAt[shard]! <= now;
      return parkedDue || (woken ? this.hints.has(shard) : allIdle || until <= now) ? [shard] : [];
    });
    const limit = Math.min(claimBatch, room);
    let claimed = 0;
    // Sent just before the claims on the same connection, the acks reach Redis first and free
    // the slots the claims may need, without a wait of their own. Acks, claims and idle-shard
    // look-ups leave in one write: each write of its own delayed the claim behind it.
    await inOneWrite(store.redis, () => {
      this.options.acks.flush();
      return Promise.all(
        shards.map(async (shard) => {
          const hint = this.hints.get(shard);
          this.hints.delete(shard);
          const batch = await store.claim(shard, { limit, leaseMs, defaultConcurrency: destinationConcurrency, hint });
          // `now` was read before the claims were sent: at or before their leases began.
          take(batch.deliveries, now);
          claimed += batch.deliveries.length;
          // A wake-up that came while the claim ran names work the claim may have missed.
          const skip = batch.deliveries.length === 0 && !this.hints.has(shard);
          this.idleUntil[shard] = skip ? now + (this.options.idleShardSkipMs ?? DEFAULT_IDLE_SHARD_SKIP_MS) : 0;
          this.parkedAt[shard] = performance.now() + (batch.nextParkedInMs ?? Infinity);
        }),
      );
    });
    return claimed;
  }

  /**
   * Waits until a shard signals new work, a parked destination may send again, or the idle
   * wait runs out — whichever comes first; not at all when a signal came during the last claim.
   * The time a parked destination may send is kept by a local timer: Redis ends a blocking wait
   * only at its own tick (100 ms at the default `hz`), which would hold a rate-limited
   * destination below its rate.
   */
  async waitForWork(): Promise<void> {
    // A wake-up read while the last claim round ran names work that round may have missed, and
    // its token is gone from Redis: look again at once.
    if (this.hints.size > 0) return;
    const untilParked = Math.min(...this.parkedAt) - performance.now();
    const waitMs = Math.max(1, Math.min(this.idleWaitMs(), untilParked));
    this.waiting = true;
    this.options.acks.flush();
    try {
      await settledOrAfter(this.watchForWakeUps(), waitMs);
    } finally {
      this.waiting = false;
    }
  }

  /**
   * Takes back the registration as waiting once no blocking wait runs, as when every slot is
   * busy: arriving deliveries then stay on their ready lists for the next claim, here or in
   * another dispatcher, instead of being handed to one that is not listening. Any handed over
   * before the registration went are taken now. A no-op when not registered.
   */
  stopWaiting(): void {
    // Stopping: stop() takes the registration back itself, and leftovers are the claims' to re-lease.
    if (!this.registered || this.wakeWatch || !this.options.isRunning()) return;
    this.registered = false;
    const unregistering = this.unregister().finally(() => {
      if (this.unregistering === unregistering) this.unregistering = undefined;
    });
    this.unregistering = unregistering;
  }

  private async unregister(): Promise<void> {
    const { store, log, take } = this.options;
    try {
      await unregisterWaiter(store, this.waiter);
      const leftovers = await takeHandedOver(store, LEFTOVERS_PER_SHARD);
      if (leftovers.length > 0) {
        // Handed over up to HANDOFF_TTL_MS ago: checked for a pause since before they start.
        const leasedSince = performance.now() - HANDOFF_TTL_MS;
        take(leftovers, leasedSince, leasedSince);
      }
    } catch (err) {
      // A claim on their shard takes what is left, or their leases expire: delayed, not lost.
      log.warn({ err }, 'could not stop waiting for hand-offs');
    }
  }

  /**
   * Ends the waiting: no more deliveries are handed over, and a wait that runs is ended. A
   * delivery handed over before that still reaches `take`.
   */
  async stop(): Promise<void> {
    const { store, blocking, log } = this.options;
    await unregisterWaiter(store, this.waiter).catch((err: unknown) => log.warn({ err }, 'could not stop waiting for hand-offs'));
    blocking.disconnect();
    if (this.wakeWatch) await settledOrAfter(this.wakeWatch, WAIT_END_GRACE_MS);
    await this.unregistering;
  }

  /**
   * Keeps one blocking wait on the handoff and wake-up lists running (its connection can hold
   * only one), registered as waiting for as long as it lasts. It may outlast the waitForWork()
   * that started it: a delivery handed over later still goes to `take`, and a token still points
   * the next claim at its shard and destination.
   */
  private watchForWakeUps(): Promise<void> {
    const { store, blocking, log, isRunning } = this.options;
    if (this.wakeWatch) return this.wakeWatch;
    this.registered = true;
    registerWaiter(store, this.waiter).catch((err: unknown) => {
      if (isRunning()) log.warn({ err }, 'could not register as waiting; new work will wake this dispatcher instead');
    });
    this.wakeWatch = store
      .waitForWork(blocking, this.idleWaitMs() / 1000)
      .then(
        (signal) => this.onSignal(signal),
        async (err: unknown) => {
          // stop() disconnects the blocking connection to end the wait; anything else is worth a line.
          if (!isRunning()) return;
          log.warn({ err }, 'waiting for work failed');
          await new Promise((resolve) => setTimeout(resolve, 200));
        },
      )
      .finally(() => {
        this.wakeWatch = undefined;
        // Outlasted the waitForWork() that started it: the dispatcher is busy elsewhere.
        if (!this.waiting) this.stopWaiting();
      });
    return this.wakeWatch;
  }

  private onSignal(signal: WorkSignal | undefined): void {
    if (signal === undefined) return;
    if (signal.kind === 'wake') {
      this.idleUntil[signal.shard] = 0;
      this.hints.set(signal.shard, signal.dest);
      return;
    }
    this.options.metrics.handedOver.inc();
    // Leased when it arrived; an entry is taken within HANDOFF_TTL_MS of that or dropped.
    this.options.take([signal.delivery], performance.now() - HANDOFF_TTL_MS);
  }

  private idleWaitMs(): number {
    return (this.options.idleWaitSeconds ?? 1) * 1000;
  }
}

/** Resolves once `promise` has settled or `ms` have passed, whichever comes first. */
async function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
