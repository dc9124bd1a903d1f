import { isIP } from 'node:net';
import { z } from 'zod';
import { accept, envBool, envDurationMs, envEnum, envField, envInt, refuse } from './env-fields';

/**
 * Thrown by `parseEnv` with one line per problem, each starting with the variable's name, so
 * the operator can fix every variable in one go instead of one restart per typo.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const KEY_PREFIX = /^[a-z0-9_-]{1,32}$/;
const HOST_NAME = /^[A-Za-z0-9.-]{1,253}$/;

/** Variables every service reads; spread into a service's own `z.object({ ...baseEnvSchema, PORT })`. */
export const baseEnvSchema = {
  REDIS_URL: envField(redisUrl, 'redis://127.0.0.1:6379'),
  LOG_LEVEL: envEnum(LOG_LEVELS, 'info'),
  // The prefix ends up in every key name; keeping it short and plain keeps keys readable in redis-cli.
  FERRY_KEY_PREFIX: envField(
    (raw) => (KEY_PREFIX.test(raw) ? accept(raw) : refuse('must be 1 to 32 characters of a-z, 0-9, _ and -', raw)),
    'ferry',
  ),
  FERRY_SHARDS: envInt({ min: 1, max: 1024, default: 4 }),
  // Each shard's lifecycle stream is trimmed to about this many entries: a fixed amount of
  // memory (tens of bytes an entry), whatever the backlog.
  FERRY_EVENTS_MAXLEN: envInt({ min: 100, max: 10_000_000, default: 10_000 }),
  // Attempts a delivery may lose without spending a retry (lost lease, Retry-After wait).
  FERRY_MAX_FREE_ATTEMPTS: envInt({ min: 0, max: 100, default: 5 }),
  // How long a stop may take before it is cut short.
  // At most an hour: a drain longer than that is no drain, and timers overflow past 24.8 days.
  FERRY_SHUTDOWN_TIMEOUT_MS: envDurationMs(30_000, { min: 0, max: 3_600_000 }),
  // The address to listen on. Unset: every interface (IPv6 and IPv4 where the host has both), as
  // a container needs; `npm start` sets 127.0.0.1, since it allows private destinations.
  FERRY_HOST: z
    .string()
    .optional()
    .refine((raw) => raw === undefined || isIP(raw) !== 0 || HOST_NAME.test(raw), 'must be an IP address or a host name, such as 127.0.0.1'),
};

/**
 * Variables the ingest and the dispatcher both read, defined once: the two often share one
 * environment, and a value that one of them accepts must not stop the other at start.
 */
export const deliveryEnvSchema = {
  // The whole attempt, and the largest per-message `timeout` the API accepts (whose smallest is
  // 100 ms). At most ten minutes: an attempt holds a dispatcher's slot, and a lease longer
  // still, for as long as it may run.
  FERRY_DELIVERY_TIMEOUT_MS: envDurationMs(15_000, { min: 100, max: 600_000 }),
  FERRY_ALLOW_PRIVATE_DESTINATIONS: envBool(false),
};

/** A database number as ioredis reads it from a URL's path or its `db` parameter. */
const DATABASE = /^\d{1,5}$/;

/**
 * A Redis URL that ioredis reads as it looks: with a host, and a database number if any. ioredis
 * would take `redis:host:6379` for a URL without a host and fail at start with a bare stack,
 * and a path that is no number for a database it cannot select.
 */
function redisUrl(raw: string) {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  const shown = withoutPassword(raw);
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') return refuse('must be a redis:// or rediss:// URL', shown);
  if (!raw.slice(url.protocol.length).startsWith('//') || url.hostname === '') {
    return refuse('must name a host, as in redis://127.0.0.1:6379', shown);
  }
  const databases = [url.pathname.length > 1 ? url.pathname.slice(1) : undefined, url.searchParams.get('db') ?? undefined];
  if (databases.some((database) => database !== undefined && !DATABASE.test(database))) {
    return refuse('must give the database as a number, as in redis://127.0.0.1:6379/2', shown);
  }
  return accept(raw);
}

/**
 * The URL as written, with the password masked, for error messages and logs. Works on the raw
 * text rather than `new URL()` so it also covers URLs that do not parse.
 */
export function withoutPassword(raw: string): string {
  const at = raw.lastIndexOf('@');
  const scheme = raw.indexOf('//');
  const colon = raw.indexOf(':', scheme === -1 ? 0 : scheme + 2);
  if (at === -1 || colon === -1 || colon > at) return raw;
  return `${raw.slice(0, colon + 1)}***${raw.slice(at)}`;
}

export interface ParseEnvOptions {
  /**
   * `FERRY_*` variables that belong to other services. Needed when several services share one
   * environment (a compose env file, one process in development) and each parses its own part.
   */
  ignore?: readonly string[];
}

/**
 * Parses `env` with a service's schema, or throws a `ConfigError` naming every bad variable,
 * including `FERRY_*` variables the schema does not know (usually a typo of one it does).
 * An empty value counts as unset: `FERRY_X=` in an env file usually means "no override".
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  { ignore = [] }: ParseEnvOptions = {},
): z.output<S> {
  const known = variableNames(schema);
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '' && known.has(name)) input[name] = value;
  }

  const problems = unknownFerryVariables(env, known, new Set(ignore));
  const result = schema.safeParse(input);
  if (!result.success) problems.push(...result.error.issues.map((issue) => describe(issue, input)));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

function describe(issue: z.core.$ZodIssue, input: Record<string, string>): string {
  const name = issue.path.map(String).join('.') || '(config)';
  // Plain zod fields (not built with the env helpers) say "expected string, received undefined".
  const missing = issue.code === 'invalid_type' && typeof issue.path[0] === 'string' && !(issue.path[0] in input);
  return `${name}: ${missing ? 'is required' : issue.message}`;
}

function unknownFerryVariables(env: Record<string, string | undefined>, known: ReadonlySet<string>, ignore: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('FERRY_') || known.has(name) || ignore.has(name)) continue;
    const guess = closest(name, known);
    problems.push(`${name}: unknown variable${guess === undefined ? '' : ` (did you mean ${guess}?)`}`);
  }
  return problems;
}

/** Top-level keys of an object schema, looking through `.transform()` / `.pipe()` wrappers. */
function variableNames(schema: z.ZodType): ReadonlySet<string> {
  if (schema instanceof z.ZodObject) return new Set(Object.keys(schema.shape));
  if (schema instanceof z.ZodPipe) return variableNames(schema.in as z.ZodType);
  throw new TypeError('parseEnv needs a z.object() schema (refinements and transforms are fine)');
}

/** The known name within a few edits of `name`, if any: `FERRY_LEASE_MSS` → `FERRY_LEASE_MS`. */
function closest(name: string, known: ReadonlySet<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
