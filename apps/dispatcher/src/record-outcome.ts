import type { AttemptOutcome, ClaimedDelivery, Store } from '@ferry/store';
import { StoreError } from '@ferry/store';
import type { AckBatcher } from './ack-batcher';
import type { AttemptResult } from './deliver';
import type { Verdict } from './outcome';

/** The first wait before writing an outcome again; it doubles up to RETRY_WAIT_MAX_MS. */
const RETRY_WAIT_MS = 100;
const RETRY_WAIT_MAX_MS = 2_000;

export type Ended = 'delivered' | 'retrying' | 'failed' | 'deferred';

/**
 * Writes an attempt's outcome to the store. While Redis cannot be reached the write is tried
 * again until `writeUntil` (when the lease has surely run out): the receiver already has the
 * message, and an outcome given up on means the delivery is sent again once its lease expires,
 * so an outage shorter than the lease costs no duplicate. Refusals (a stale lease) are not
 * retried. A deferral the store declines (the delivery's free attempts are spent) becomes an
 * ordinary retry after the verdict's back-off, the destination still parked for its wait.
 * Answers how the delivery ended.
 */
export async function recordOutcome(
  store: Store,
  acks: AckBatcher,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  verdict: Verdict,
  writeUntil: number,
): Promise<Ended> {
  // The result carries every field of an outcome; the store reads only those (attempt-record.ts).
  const outcome: AttemptOutcome = result;
  const write = async (): Promise<Ended> => {
    switch (verdict.action) {
      case 'ack':
        await acks.ack(delivery, outcome);
        return 'delivered';
      case 'defer':
        if (await store.defer(delivery, outcome, verdict)) return 'deferred';
        return store.retry(delivery, outcome, { backoffMs: verdict.backoffMs, final: false, summary: verdict.summary, destinationWaitMs: verdict.waitMs });
      case 'retry':
        return store.retry(delivery, outcome, verdict);
    }
  };
  for (let waitMs = RETRY_WAIT_MS; ; waitMs = Math.min(waitMs * 2, RETRY_WAIT_MAX_MS)) {
    try {
      return await write();
    } catch (err) {
      if (err instanceof StoreError || Date.now() + waitMs >= writeUntil) throw err;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
