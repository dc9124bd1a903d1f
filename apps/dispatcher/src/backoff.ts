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

/** Delay-seconds past this (about 31 years) are read as this: a longer wait means the same. */
const MAX_RETRY_AFTER_SECONDS = 1e9;

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Answers milliseconds from `now`,
 * or undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS) * 1000;
  const at = parseHttpDate(text, now);
  return at === undefined ? undefined : Math.max(0, at - now);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hour>\\d{2}):(?<minute>\\d{2}):(?<second>\\d{2})';
// Senders write GMT in other ways too; each means UTC.
const ZONE = '(?:GMT|UTC|[+-]0000)';
// The three forms of RFC 9110 §5.6.7, which a recipient must all read, a little leniently (a
// one-digit day, UTC written otherwise). Date.parse would read far more, "abc, 10" among them
// (as the year 2010).
const HTTP_DATES = [
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\\d{1,2}) ${MONTH} (?<year>\\d{4}) ${TIME} ${ZONE}$`),
  new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (?<day>\\d{1,2})-${MONTH}-(?<year>\\d{2}) ${TIME} ${ZONE}$`),
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`),
];

/** An HTTP date as epoch milliseconds; undefined when it is not one, or names no real day and time. */
function parseHttpDate(text: string, now: number): number | undefined {
  const fields = HTTP_DATES.map((pattern) => pattern.exec(text)?.groups).find((groups) => groups !== undefined);
  if (fields === undefined) return undefined;
  const [day, hour, minute, second] = [fields.day, fields.hour, fields.minute, fields.second].map(Number) as [number, number, number, number];
  const year = fields.year!.length === 2 ? fullYear(Number(fields.year), now) : Number(fields.year);
  // A leap second (:60) is read as the second before it.
  const at = new Date(Date.UTC(year, MONTHS.indexOf(fields.month!), day, hour, minute, Math.min(second, 59)));
  // Date.UTC rolls 31 Feb over into March and 25:00 into the next day.
  const real = at.getUTCDate() === day && at.getUTCHours() === hour && at.getUTCMinutes() === minute && second <= 60;
  return real ? at.getTime() : undefined;
}

/** The year a two-digit one means: never more than 50 years ahead of `now`, else the latest such year before it. */
function fullYear(twoDigits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear();
  const year = thisYear - (thisYear % 100) + twoDigits;
  if (year > thisYear + 50) return year - 100;
  return year <= thisYear - 50 ? year + 100 : year;
}
