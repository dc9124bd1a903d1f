import type { ClaimedDelivery, Store } from '@ferry/store';
import { StoreError } from '@ferry/store';
import type { AttemptResult } from './deliver';
import type { Verdict } from './outcome';

const WRITE_TRIES = 5;

/**
 * Writes an attempt's outcome to the store, retrying a few times through a Redis hiccup (the
 * receiver already has the message; losing the outcome would mean sending it again).
 * Refusals (stale lease) are not retried. Answers the state the delivery ended in.
 */
export async function recordOutcome(
  store: Store,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  verdict: Verdict,
): Promise<'delivered' | 'retrying' | 'failed'> {
  const outcome = {
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    ...(result.statusCode !== undefined && { statusCode: result.statusCode }),
    ...(result.error !== undefined && { error: result.error }),
    ...(result.responseExcerpt !== undefined && { responseExcerpt: result.responseExcerpt }),
  };
  for (let tries = 1; ; tries++) {
    try {
      if (verdict.action === 'ack') {
        await store.ack(delivery, outcome);
        return 'delivered';
      }
      return await store.retry(delivery, outcome, verdict);
    } catch (err) {
      if (err instanceof StoreError || tries >= WRITE_TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tries));
    }
  }
}
