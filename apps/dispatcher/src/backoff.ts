export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  maxMs: number;
}

/**
 * Wait before the next attempt after `failures` failed attempts: exponential from `baseMs`,
 * capped at `maxMs`, with ±20 % jitter so deliveries that failed together do not all come
 * back together. With the defaults (10 s, ×6, 12 h) the waits are about 10 s, 1 min, 6 min,
 * 36 min and 3.6 h — seconds first, hours last, like the peers.
 */
export function backoffMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseMs * policy.factor ** Math.max(0, failures - 1);
  const capped = Math.min(policy.maxMs, exponential);
  const jittered = capped * (0.8 + 0.4 * random());
  return Math.round(Math.min(policy.maxMs, jittered));
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Answers milliseconds from `now`,
 * or undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its weekday and month ("Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse
  // alone would also read "-3" as a year.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
