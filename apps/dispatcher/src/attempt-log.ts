import type { Logger } from '@ferry/runtime';
import type { ClaimedDelivery } from '@ferry/store';
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
