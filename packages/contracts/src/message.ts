import { z } from 'zod';
import { parseDuration } from './duration';

/** Methods a destination can be called with. GET and HEAD carry no body. */
export const HttpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export type HttpMethod = z.infer<typeof HttpMethod>;

/** Limits a publish request is checked against; they come from the ingest configuration. */
export interface PublishLimits {
  maxRetries: number;
  maxDelayMs: number;
  maxTimeoutMs: number;
}

export const MAX_DESTINATION_LENGTH = 2048;
export const MAX_FORWARDED_HEADERS = 64;
export const MAX_HEADER_BYTES = 16_384;
const MIN_TIMEOUT_MS = 100;

/**
 * Headers a sender may not set: they describe the connection rather than the message, or are
 * reserved for Ferry's own headers, which receivers must be able to trust.
 */
const RESERVED_HEADER = /^(host|content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-.*|ferry-.*)$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// The store joins fields with `|` and builds key names from the ordering key, so it gets a
// plain alphabet: enough for ids like "order:42" or "tenant/a@b.example", never a separator.
const ORDERING_KEY = /^[A-Za-z0-9._:@/-]{1,128}$/;

/**
 * False for a host of dots only (`http://./`, `http://../x`): with its trailing dot dropped, as
 * destinations are keyed, nothing would be left of it.
 */
export function namesAHost(url: URL): boolean {
  return !/^\.*$/.test(url.hostname);
}

const destination = z
  .string()
  .max(MAX_DESTINATION_LENGTH)
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    } else if (!namesAHost(url)) {
      ctx.addIssue({ code: 'custom', message: 'must name a host' });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials; send them in headers' });
    }
  });

const UNFORWARDABLE_NAME = 'is not a header name Ferry can forward';

// A record keeps no `__proto__` key (assigning one sets the prototype), so the name is refused
// on the object as parsed, before it would silently go missing; in any other case it is refused
// below, since names are stored in lower case.
const headers = z.preprocess(
  (value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: UNFORWARDABLE_NAME });
    }
    return value;
  },
  z.record(z.string(), z.string()).superRefine((record, ctx) => {
    const names = Object.keys(record);
    if (names.length > MAX_FORWARDED_HEADERS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_FORWARDED_HEADERS} headers` });
    }
    const seen = new Set<string>();
    let bytes = 0;
    for (const [name, value] of Object.entries(record)) {
      const lower = name.toLowerCase();
      bytes += name.length + value.length;
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
      } else if (lower === '__proto__') {
        ctx.addIssue({ code: 'custom', path: [name], message: UNFORWARDABLE_NAME });
      } else if (RESERVED_HEADER.test(lower)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Ferry and cannot be forwarded' });
      } else if (seen.has(lower)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is given twice (header names ignore case)' });
      }
      if (!HEADER_VALUE.test(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'value may hold only printable Latin-1 characters and tabs (no control characters, nothing past U+00FF)',
        });
      }
      seen.add(lower);
    }
    if (bytes > MAX_HEADER_BYTES) {
      ctx.addIssue({ code: 'custom', message: `headers exceed ${MAX_HEADER_BYTES} bytes` });
    }
  }),
);

const DURATION_EXPECTED = 'must be whole milliseconds or a duration like "30s", "5m", "1h"';

/** A non-negative whole number of milliseconds, or a duration string such as "30s". */
function milliseconds(max: number, min = 0) {
  return z.union([z.number(), z.string()], { error: DURATION_EXPECTED }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: 'custom', message: DURATION_EXPECTED });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max} ms` });
      return z.NEVER;
    }
    return ms;
  });
}

/** An absolute time: epoch milliseconds or an ISO-8601 date-time. */
const instant = z
  .union(
    [
      z.number().int().nonnegative(),
      z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time with Z or an offset, such as "2026-01-31T09:00:00Z"' }),
    ],
    { error: 'must be epoch milliseconds (a whole number) or an ISO-8601 date-time such as "2026-01-31T09:00:00Z"' },
  )
  .transform((value) => (typeof value === 'number' ? value : Date.parse(value)));

/** The JSON body of `POST /v1/messages`, as the sender writes it. */
export function publishMessageSchema(limits: PublishLimits) {
  return z
    .strictObject({
      destination,
      body: z.unknown().optional(),
      headers: headers.optional(),
      method: HttpMethod.optional(),
      delay: milliseconds(limits.maxDelayMs).optional(),
      notBefore: instant.optional(),
      retries: z.number().int().min(0).max(limits.maxRetries).optional(),
      timeout: milliseconds(limits.maxTimeoutMs, MIN_TIMEOUT_MS).optional(),
      // Messages with one key (and destination) are delivered one at a time, in acceptance order.
      orderingKey: z.string().regex(ORDERING_KEY, 'must be 1 to 128 characters of A-Z, a-z, 0-9 and . _ : @ / -').optional(),
    })
    .superRefine((message, ctx) => {
      if (message.delay !== undefined && message.notBefore !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['notBefore'], message: 'give either delay or notBefore, not both' });
      }
      const method = message.method ?? 'POST';
      if ((method === 'GET' || method === 'HEAD') && message.body !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${method} request carries no body` });
      }
    });
}
export type PublishMessage = z.output<ReturnType<typeof publishMessageSchema>>;

export const MAX_BATCH_SIZE = 1_000;

export function publishBatchSchema(limits: PublishLimits) {
  return z.array(publishMessageSchema(limits)).min(1).max(MAX_BATCH_SIZE);
}

export const PublishAccepted = z.strictObject({ messageId: z.string() });
export type PublishAccepted = z.infer<typeof PublishAccepted>;
