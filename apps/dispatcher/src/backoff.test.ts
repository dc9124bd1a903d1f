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

  it('reads the obsolete date forms a recipient must accept too', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thursday, 01-Jan-26 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Thu Jan  1 00:02:00 2026', now)).toBe(120_000);
    // A two-digit year more than 50 years ahead is in the past.
    expect(retryAfterMs('Friday, 01-Jan-99 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('Thursday, 01-Jan-76 00:00:00 GMT', now)).toBe(Date.parse('2076-01-01T00:00:00Z') - now);
    // Within 50 years ahead, the next century's.
    expect(retryAfterMs('Thursday, 01-Jan-05 00:00:00 GMT', Date.parse('2060-01-01T00:00:00Z'))).toBe(Date.parse('2105-01-01T00:00:00Z') - Date.parse('2060-01-01T00:00:00Z'));
  });

  it('reads the ways senders stray from the form: a one-digit day, UTC written otherwise, a leap second', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    for (const text of ['Thu, 1 Jan 2026 00:01:00 GMT', 'Thu, 01 Jan 2026 00:01:00 +0000', 'Thu, 01 Jan 2026 00:01:00 UTC']) {
      expect(retryAfterMs(text, now)).toBe(60_000);
    }
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:60 GMT', now)).toBe(59_000);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('-3')).toBeUndefined();
    // Date.parse reads each of these as a date in the past, which would mean "now".
    for (const text of ['abc, 10', 'Sun, 1', 'Mon, 12', 'Mon, 31 Feb 2026 00:00:00 GMT', 'Thu, 01 Jan 2026 25:00:00 GMT']) {
      expect(retryAfterMs(text)).toBeUndefined();
    }
  });

  it('reads a huge delay-seconds as a long wait, not as infinity', () => {
    expect(retryAfterMs('9'.repeat(400))).toBe(1e12);
  });
});
