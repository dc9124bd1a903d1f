import type { Logger } from '@ferry/runtime';
import { StoreError, StoreErrorCode, type ClaimedDelivery } from '@ferry/store';
import { loggableUrl, type AttemptResult } from './deliver';

/** What an attempt's log line says: what was sent, what came back, how it ended. */
export function attemptLine(delivery: ClaimedDelivery, result: AttemptResult, ended: string): Record<string, unknown> {
  return {
    messageId: delivery.id,
    destination: loggableUrl(delivery.url),
    attempt: delivery.attempt,
    status: result.statusCode ?? null,
    durationMs: result.durationMs,
    outcome: result.kind,
    state: ended,
    error: result.error,
    response: result.responseExcerpt?.slice(0, 200),
  };
}

/** The attempt's one log line (DESIGN §4), at info for a success and warn otherwise. */
export function logAttempt(log: Logger, delivery: ClaimedDelivery, result: AttemptResult, ended: string, msg = 'attempt'): void {
  const level = result.kind === 'success' ? 'info' : 'warn';
  if (log.isLevelEnabled(level)) log[level](attemptLine(delivery, result, ended), msg);
}

/**
 * The line of an attempt whose outcome could not be written. These are the attempts that lead
 * to a second delivery, so each gets what was sent and what came back. Answers why it was not
 * written: its lease was lost, the delivery is gone, or the write failed.
 */
export function logUnrecorded(
  log: Logger,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  err: unknown,
): 'lease_lost' | 'gone' | 'unrecorded' {
  if (err instanceof StoreError && err.code === StoreErrorCode.StaleLease) {
    log.warn(attemptLine(delivery, result, 'lease_lost'), 'outcome refused: lease was lost');
    return 'lease_lost';
  }
  if (err instanceof StoreError && err.code === StoreErrorCode.NotFound) {
    // Gone from Redis while it was sent (a Redis that came back without its data): nothing is
    // left to record it on, and no lease will bring it back.
    log.warn(attemptLine(delivery, result, 'gone'), 'outcome not recorded: the delivery is no longer stored');
    return 'gone';
  }
  // The lease will expire and the delivery be sent again: at-least-once, never lost.
  log.error({ ...attemptLine(delivery, result, 'unrecorded'), err }, 'could not record the outcome; the lease will expire');
  return 'unrecorded';
}
