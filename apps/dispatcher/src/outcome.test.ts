import { judge, type OutcomePolicy } from './outcome';

const policy: OutcomePolicy = {
  backoff: { baseMs: 1_000, factor: 2, maxMs: 60_000 },
  nonRetryableStatuses: new Set([410]),
};
const base = { startedAt: 0, durationMs: 5 };

describe('judge', () => {
  it('acks a 2xx', () => {
    expect(judge({ ...base, kind: 'success', statusCode: 204 }, 0, policy)).toEqual({ action: 'ack' });
  });

  it('retries other failures with growing back-off', () => {
    const first = judge({ ...base, kind: 'http_error', statusCode: 500 }, 1, policy);
    const third = judge({ ...base, kind: 'timeout' }, 3, policy);
    expect(first).toMatchObject({ action: 'retry', final: false });
    expect(third).toMatchObject({ action: 'retry', final: false });
    if (first.action === 'retry' && third.action === 'retry') {
      expect(first.backoffMs).toBeLessThanOrEqual(1_200);
      expect(third.backoffMs).toBeGreaterThanOrEqual(3_200);
    }
  });

  it('honours Retry-After, up to the cap', () => {
    expect(judge({ ...base, kind: 'http_error', statusCode: 429, retryAfterMs: 2_000 }, 1, policy)).toEqual({
      action: 'retry',
      backoffMs: 2_000,
      final: false,
    });
    expect(judge({ ...base, kind: 'http_error', statusCode: 503, retryAfterMs: 86_400_000 }, 1, policy)).toMatchObject({
      backoffMs: 60_000,
    });
  });

  it('makes non-retryable statuses and refused destinations final', () => {
    expect(judge({ ...base, kind: 'http_error', statusCode: 410 }, 1, policy)).toMatchObject({ final: true });
    expect(judge({ ...base, kind: 'refused' }, 1, policy)).toMatchObject({ final: true });
  });
});
