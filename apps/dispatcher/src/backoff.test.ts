import { backoffMs, retryAfterMs } from './backoff';

const policy = { baseMs: 10_000, factor: 6, maxMs: 12 * 3_600_000 };

describe('backoffMs', () => {
  it('grows exponentially from the base', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, middle))).toEqual([
      10_000, 60_000, 360_000, 2_160_000, 12_960_000,
    ]);
  });

  it('jitters within ±20 %', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(8_000);
    expect(backoffMs(1, policy, () => 0.999999)).toBe(12_000);
  });

  it('never exceeds the cap', () => {
    for (let n = 1; n < 40; n++) expect(backoffMs(n, policy, () => 0.999999)).toBeLessThanOrEqual(policy.maxMs);
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('-3')).toBeUndefined();
  });
});
