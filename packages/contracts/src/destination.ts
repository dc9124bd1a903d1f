import { z } from 'zod';
import { MAX_DESTINATION_LENGTH, namesAHost } from './message';

/**
 * The destination a URL belongs to: its origin (scheme, host, port), with a host's trailing dot
 * dropped, since `api.example.com.` is the same server as `api.example.com` and the two must
 * share one set of limits. The store keys messages by it and the destinations API reads it.
 */
export function destinationOf(url: URL): string {
  return url.hostname.endsWith('.') ? url.origin.replace(/\.(?=(?::\d+)?$)/, '') : url.origin;
}

/**
 * A destination origin as the API names one (`https://api.example.com`, URL-encoded in a path),
 * normalised the way the store keys destinations (`destinationOf`): lower-case host, default
 * port and a trailing dot dropped. Anything beyond an origin (a path, a query, credentials) is
 * refused rather than cut off, so a caller who pasted a full URL learns that settings apply to
 * the whole origin.
 */
export const DestinationOrigin = z
  .string()
  .max(MAX_DESTINATION_LENGTH)
  .transform((text, ctx) => {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !namesAHost(url)) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) origin such as https://api.example.com' });
      return z.NEVER;
    }
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'must be an origin only (scheme, host and port), without path, query or credentials' });
      return z.NEVER;
    }
    return destinationOf(url);
  });

/**
 * The slowest rate accepted: one start a day. A slower one would in effect park the destination
 * for ever, and a tiny enough one would overflow the limiter's arithmetic (limits.lua).
 */
const MIN_RATE_PER_SECOND = 1 / 86_400;

/**
 * The body of `PUT /v1/destinations/:origin`. Fields left out stay as they are; `null` puts a
 * field back to its default (the dispatchers' FERRY_DEST_CONCURRENCY, no rate limit, burst 1,
 * no class).
 */
export const DestinationSettingsBody = z.strictObject({
  /** Most deliveries in flight at once, across all dispatchers (as high as FERRY_DEST_CONCURRENCY may go). */
  concurrency: z.number().int().min(1).max(100_000).nullable().optional(),
  /** Most delivery starts per second; fractions allowed (0.5 is one every two seconds). */
  ratePerSecond: z
    .number()
    .min(MIN_RATE_PER_SECOND, 'must be at least 1/86400 (one start a day)')
    .max(100_000)
    .nullable()
    .optional(),
  /** Starts allowed at once before the rate applies. */
  burst: z.number().int().min(1).max(100_000).nullable().optional(),
  paused: z.boolean().optional(),
  /** A label for metrics, grouping destinations without their URLs as labels. */
  class: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1 to 32 characters of a-z, 0-9, _ and -')
    .nullable()
    .optional(),
});
export type DestinationSettingsBody = z.infer<typeof DestinationSettingsBody>;

/** `GET /v1/destinations/:origin`, and each item of the list. Times are ISO strings. */
export const DestinationStatus = z.strictObject({
  destination: z.string(),
  concurrency: z.number().int().positive().optional(),
  ratePerSecond: z.number().positive().optional(),
  burst: z.number().int().positive().optional(),
  paused: z.boolean(),
  class: z.string().optional(),
  inFlight: z.number().int().nonnegative(),
  /**
   * Deliveries ready to send now. Approximate: one cancelled while it was ready is counted
   * until a claim reaches it in the list.
   */
  backlog: z.number().int().nonnegative(),
  /** Until when the destination asked to be left alone (Retry-After). */
  pausedUntil: z.string().optional(),
  lastError: z.strictObject({ message: z.string(), at: z.string() }).optional(),
  /** Last time a message for it was accepted or became due, or its settings changed. */
  lastActivityAt: z.string().optional(),
});
export type DestinationStatus = z.infer<typeof DestinationStatus>;

/** `GET /v1/destinations`: most recently active first. */
export const DestinationList = z.strictObject({ destinations: z.array(DestinationStatus) });
export type DestinationList = z.infer<typeof DestinationList>;

export const MAX_DESTINATION_LIST = 1_000;

/** The query of `GET /v1/destinations`; other parameters are ignored. */
export const DestinationListQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,5}$/, `must be a whole number from 1 to ${MAX_DESTINATION_LIST}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_DESTINATION_LIST))
    .default(100),
});
