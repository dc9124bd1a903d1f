import type { AttemptOutcome, ClaimedDelivery, Store } from '@ferry/store';
import { StoreError } from '@ferry/store';
import type { AckBatcher } from './ack-batcher';
import type { AttemptResult } from './deliver';
import type { Verdict } from './outcome';

const WRITE_TRIES = 5;

export type Ended = 'delivered' | 'retrying' | 'failed' | 'deferred';

/**
 * Writes an attempt's outcome to the store, retrying a few times through a Redis hiccup (the
 * receiver already has the message; losing the outcome would mean sending it again).
 * Refusals (stale lease) are not retried. A deferral the store declines (the delivery's free
 * attempts are spent) becomes an ordinary retry after the wait. Answers how the delivery ended.
 */
export async function recordOutcome(
  store: Store,
  acks: AckBatcher,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  verdict: Verdict,
  maxBackoffMs: number,
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
        return store.retry(delivery, outcome, {
          backoffMs: Math.min(verdict.waitMs, maxBackoffMs),
          final: false,
          summary: verdict.summary,
        });
      case 'retry':
        return store.retry(delivery, outcome, verdict);
    }
  };
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (err) {
      if (err instanceof StoreError || tries >= WRITE_TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tries));
    }
  }
}
