import type { ClaimedDelivery } from '@ferry/store';
import { backoffMs, type BackoffPolicy } from './backoff';
import type { AttemptResult } from './deliver';

export type Verdict =
  | { action: 'ack' }
  /**
   * The destination asked to wait: park it, hand the delivery back without spending a retry.
   * `backoffMs` is the retry's wait should the store decline (the free attempts are spent).
   */
  | { action: 'defer'; waitMs: number; backoffMs: number; summary: string }
  /** `destinationWaitMs`: the destination asked to wait (a final 429 or 503): park it for as long. */
  | { action: 'retry'; backoffMs: number; final: boolean; summary: string; destinationWaitMs?: number };

export interface OutcomePolicy {
  backoff: BackoffPolicy;
  /** Statuses that mean "never retry this" (dead-letter at once). */
  nonRetryableStatuses: ReadonlySet<number>;
  /** Longest Retry-After honoured as a wait that spends no retry. */
  maxRetryAfterMs: number;
}

const DEFER_STATUSES = new Set([429, 503]);

/**
 * Decides what an attempt's result means for the delivery. A 429 or 503 with a Retry-After the
 * policy accepts defers: the destination is left alone until then, and no retry is spent. Any
 * other Retry-After is a floor under the computed back-off (both up to its cap): the receiver
 * asked for nothing sooner, and a short one must not spend the retries in seconds that the
 * back-off would spread over hours. A refused destination never becomes acceptable by waiting,
 * and a status the operator made non-retryable is final, Retry-After or not.
 * The back-off grows with the failures that spent a retry, this one included: `attempt - free`,
 * as the store's retry budget counts them (lua/retry.lua), so the free attempts before it
 * (Retry-After waits, releases, lost leases) do not lengthen it.
 */
export function judge(
  result: AttemptResult,
  delivery: Pick<ClaimedDelivery, 'attempt' | 'free'>,
  policy: OutcomePolicy,
): Verdict {
  if (result.kind === 'success') return { action: 'ack' };
  const summary = summarize(result);
  const status = result.statusCode;
  const wait = result.retryAfterMs;
  const failures = delivery.attempt - delivery.free;
  const backoff = Math.min(Math.max(backoffMs(failures, policy.backoff), wait ?? 0), policy.backoff.maxMs);
  const final = result.kind === 'refused' || (status !== undefined && policy.nonRetryableStatuses.has(status));
  const asksToWait = status !== undefined && DEFER_STATUSES.has(status) && wait !== undefined && wait <= policy.maxRetryAfterMs;
  if (asksToWait && !final) return { action: 'defer', waitMs: wait, backoffMs: backoff, summary };
  // The destination's wait holds for its other messages whatever becomes of this one.
  const destinationWait = asksToWait ? { destinationWaitMs: wait } : {};
  return { action: 'retry', backoffMs: backoff, final, summary, ...destinationWait };
}

/** How long the verdict parks the destination for (its Retry-After); 0 when it does not. */
export function destinationWaitOf(verdict: Verdict): number {
  if (verdict.action === 'defer') return verdict.waitMs;
  if (verdict.action === 'retry') return verdict.destinationWaitMs ?? 0;
  return 0;
}

/** A few words on a failed attempt, kept as the destination's last error. */
export function summarize(result: AttemptResult): string {
  const retryAfter = result.retryAfterMs === undefined ? '' : ` (Retry-After ${result.retryAfterMs / 1000} s)`;
  if (result.statusCode !== undefined) return `HTTP ${result.statusCode}${retryAfter}`;
  return (result.error ?? result.kind).slice(0, 200);
}
