import { judge, type OutcomePolicy } from './outcome';

const policy: OutcomePolicy = {
  backoff: { baseMs: 1_000, factor: 2, maxMs: 60_000 },
  nonRetryableStatuses: new Set([410]),
  maxRetryAfterMs: 600_000,
};
const base = { startedAt: 0, durationMs: 5 };
/** The nth attempt of a delivery none of whose earlier attempts was free. */
const nth = (attempt: number) => ({ attempt, free: 0 });

describe('judge', () => {
  it('acks a 2xx', () => {
    expect(judge({ ...base, kind: 'success', statusCode: 204 }, nth(1), policy)).toEqual({ action: 'ack' });
  });

  it('retries other failures with growing back-off, and says what failed', () => {
    const first = judge({ ...base, kind: 'http_error', statusCode: 500 }, nth(1), policy);
    const third = judge({ ...base, kind: 'timeout', error: 'no response within 100 ms' }, nth(3), policy);
    expect(first).toMatchObject({ action: 'retry', final: false, summary: 'HTTP 500' });
    expect(third).toMatchObject({ action: 'retry', final: false, summary: 'no response within 100 ms' });
    if (first.action === 'retry' && third.action === 'retry') {
      expect(first.backoffMs).toBeLessThanOrEqual(1_200);
      expect(third.backoffMs).toBeGreaterThanOrEqual(3_200);
    }
  });

  it('backs off by the failures that spent a retry, not by the attempt number', () => {
    // Five 429s with Retry-After (free), then an HTTP 500: the first real retry.
    const verdict = judge({ ...base, kind: 'http_error', statusCode: 500 }, { attempt: 6, free: 5 }, policy);
    expect(verdict).toMatchObject({ action: 'retry', final: false });
    if (verdict.action === 'retry') {
      expect(verdict.backoffMs).toBeGreaterThanOrEqual(800);
      expect(verdict.backoffMs).toBeLessThanOrEqual(1_200);
    }
  });

  it('defers on 429 or 503 with a Retry-After it accepts', () => {
    expect(judge({ ...base, kind: 'http_error', statusCode: 429, retryAfterMs: 2_000 }, nth(1), policy)).toEqual({
      action: 'defer',
      waitMs: 2_000,
      backoffMs: 2_000,
      summary: 'HTTP 429 (Retry-After 2 s)',
    });
    expect(judge({ ...base, kind: 'http_error', statusCode: 503, retryAfterMs: 0 }, nth(1), policy)).toMatchObject({ action: 'defer' });
  });

  it('retries, capped, when the Retry-After is too long or the status is another', () => {
    expect(judge({ ...base, kind: 'http_error', statusCode: 503, retryAfterMs: 86_400_000 }, nth(1), policy)).toMatchObject({
      action: 'retry',
      backoffMs: 60_000,
    });
    expect(judge({ ...base, kind: 'http_error', statusCode: 500, retryAfterMs: 2_000 }, nth(1), policy)).toMatchObject({
      action: 'retry',
      backoffMs: 2_000,
    });
    expect(judge({ ...base, kind: 'http_error', statusCode: 429 }, nth(1), policy)).toMatchObject({ action: 'retry' });
  });

  it('waits at least the back-off when the Retry-After is shorter, deferred or not', () => {
    // The fourth failure backs off 8 s (±20 %); a Retry-After of one second must not shorten it.
    const retried = judge({ ...base, kind: 'http_error', statusCode: 500, retryAfterMs: 1_000 }, nth(4), policy);
    const deferred = judge({ ...base, kind: 'http_error', statusCode: 503, retryAfterMs: 1_000 }, nth(4), policy);
    expect(retried).toMatchObject({ action: 'retry' });
    expect(deferred).toMatchObject({ action: 'defer', waitMs: 1_000 });
    for (const verdict of [retried, deferred]) {
      if (verdict.action === 'ack') throw new Error('not a failure');
      expect(verdict.backoffMs).toBeGreaterThanOrEqual(6_400);
      expect(verdict.backoffMs).toBeLessThanOrEqual(9_600);
    }
  });

  it('makes non-retryable statuses and refused destinations final', () => {
    expect(judge({ ...base, kind: 'http_error', statusCode: 410 }, nth(1), policy)).toMatchObject({ final: true });
    expect(judge({ ...base, kind: 'refused' }, nth(1), policy)).toMatchObject({ final: true });
  });

  it('makes a non-retryable 429 or 503 final even with a Retry-After it would defer on, its destination still parked', () => {
    const strict = { ...policy, nonRetryableStatuses: new Set([429, 503]) };
    for (const statusCode of [429, 503]) {
      expect(judge({ ...base, kind: 'http_error', statusCode, retryAfterMs: 1_000 }, nth(1), strict)).toMatchObject({
        action: 'retry',
        final: true,
        destinationWaitMs: 1_000,
      });
    }
  });
});
