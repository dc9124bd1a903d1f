import type { AttemptOutcome, LeaseRef, Store } from '@ferry/store';

/** Most acks written in one script call. */
const MAX_BATCH = 128;
/**
 * How long an ack may wait for others. A Redis round trip costs the dispatcher far more CPU
 * than the script's work per ack (each wake-up of the event loop is a few system calls), so
 * a short wait that lets acks share one call pays off at any real rate; the receiver already
 * has the message, so only the lease is held a little longer.
 */
const FLUSH_DELAY_MS = 2;

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
  private scheduled = false;

  constructor(private readonly store: Store) {}

  /** Resolves once the ack is written; rejects with the store's refusal or the write's error. */
  ack(lease: LeaseRef, outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ lease, outcome, settle: (error) => (error ? reject(error) : resolve()) });
      if (this.pending.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => this.flush(), FLUSH_DELAY_MS);
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.store.ackMany(batch).then(
      (results) => batch.forEach((item, i) => item.settle(results[i])),
      (err: unknown) => batch.forEach((item) => item.settle(err instanceof Error ? err : new Error(String(err)))),
    );
  }
}
