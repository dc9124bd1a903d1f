import { backoffMs, type BackoffPolicy } from './backoff';
import type { AttemptResult } from './deliver';

export type Verdict = { action: 'ack' } | { action: 'retry'; backoffMs: number; final: boolean };

export interface OutcomePolicy {
  backoff: BackoffPolicy;
  /** Statuses that mean "never retry this" (dead-letter at once). */
  nonRetryableStatuses: ReadonlySet<number>;
}

/**
 * Decides what an attempt's result means for the delivery. `failures` counts failed attempts
 * including this one. A destination's Retry-After is honoured (up to the back-off cap) in
 * place of the computed back-off; a refused destination never becomes acceptable by waiting.
 */
export function judge(result: AttemptResult, failures: number, policy: OutcomePolicy): Verdict {
  if (result.kind === 'success') return { action: 'ack' };
  const final =
    result.kind === 'refused' || (result.statusCode !== undefined && policy.nonRetryableStatuses.has(result.statusCode));
  const computed = backoffMs(failures, policy.backoff);
  const wait = result.retryAfterMs === undefined ? computed : Math.min(result.retryAfterMs, policy.backoff.maxMs);
  return { action: 'retry', backoffMs: wait, final };
}
