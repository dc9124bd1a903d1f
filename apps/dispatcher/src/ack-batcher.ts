import type { AttemptOutcome, LeaseRef, Store } from '@ferry/store';

/** Most acks written in one script call. */
const MAX_BATCH = 128;
/**
 * How long an ack may wait for others. A write to Redis costs the dispatcher far more CPU than
 * the script's work per ack (on a VM, waking the Redis process is the dearest part of it), so a
 * wait that lets acks share one call pays off at any real rate; the receiver already has the
 * message, so only the lease is held a little longer. The owner says which wait applies: a busy
 * dispatcher claims often and each claim sends the pending acks just ahead of it
 * (flush()), so acks may wait longer; an idle one may be waiting for exactly those acks to free
 * a destination's slots, so they go soon.
 */
export const ACK_DELAY_MS = { busy: 10, idle: 2 };

/**
 * Gathers the acks of deliveries that finish close together and writes them with one script
 * call. Each caller still learns its own result.
 */
export class AckBatcher {
  private pending: Array<{
    lease: LeaseRef;
    outcome: AttemptOutcome;
    settle: (error: Error | undefined) => void;
  }> = [];
  private timer: NodeJS.Timeout | undefined;

  /** `delayMs` is asked when an ack finds no write scheduled. */
  constructor(
    private readonly store: Store,
    private readonly delayMs: () => number = () => ACK_DELAY_MS.idle,
  ) {}

  /** Resolves once the ack is written; rejects with the store's refusal or the write's error. */
  ack(lease: LeaseRef, outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ lease, outcome, settle: (error) => (error ? reject(error) : resolve()) });
      if (this.pending.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.delayMs());
    });
  }

  /** Writes the pending acks now: called just before a claim, so Redis runs them first. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.store.ackMany(batch).then(
      (results) => batch.forEach((item, i) => item.settle(results[i])),
      (err: unknown) => batch.forEach((item) => item.settle(err instanceof Error ? err : new Error(String(err)))),
    );
  }
}
