import { baseEnvSchema, deliveryEnvSchema, envDurationMs, envInt, parseEnv, type LogLevel, type ParseEnvOptions } from '@ferry/runtime';
import { z } from 'zod';

const MIB = 1_048_576;
const FRACTION = /^(?:0|1)?(?:\.\d+)?$/;
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/** A share such as "0.9": above 0, at most 1. */
function envFraction(fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      const text = raw.trim();
      const value = Number(text);
      if (FRACTION.test(text) && value > 0 && value <= 1) return value;
      const shown = JSON.stringify(raw.slice(0, 60));
      ctx.addIssue({ code: 'custom', message: `must be a fraction above 0 and at most 1, such as 0.9 (got ${shown})` });
      return z.NEVER;
    });
}

const IngestEnv = z
  .object({
    ...baseEnvSchema,
    ...deliveryEnvSchema,
    PORT: envInt({ min: 0, max: 65_535, default: 8080 }),
    // Optional: without it the API is open, which suits a private network or development only.
    // What a sender can put after "Bearer " (auth.ts): no whitespace, and only ASCII, since a
    // header's bytes are read as Latin-1 and a UTF-8 token could never match.
    FERRY_API_TOKEN: z
      .string()
      .refine((token) => token.trim() === token, 'must not start or end with whitespace (a newline from a secret file?)')
      .refine((token) => VISIBLE_ASCII.test(token.trim()), 'must be visible ASCII characters with no spaces, as a bearer token is sent')
      .optional(),
    // Every queued body lives in Redis memory until it is delivered, hence the upper bound.
    FERRY_MAX_BODY_BYTES: envInt({ min: 1, max: 16 * MIB, default: MIB }),
    FERRY_DEFAULT_RETRIES: envInt({ min: 0, max: 100, default: 5 }),
    FERRY_MAX_RETRIES: envInt({ min: 0, max: 100, default: 20 }),
    FERRY_MAX_DELAY: envDurationMs('30d', { max: 365 * 86_400_000 }),
    // Backpressure: publishing is refused (429) before Redis fills up with undelivered messages.
    FERRY_MAX_BACKLOG: envInt({ min: 1, max: 1_000_000_000, default: 1_000_000 }),
    FERRY_MAX_REDIS_MEMORY: envFraction(0.9),
  })
  .superRefine((env, ctx) => {
    if (env.FERRY_DEFAULT_RETRIES > env.FERRY_MAX_RETRIES) {
      ctx.addIssue({
        code: 'custom',
        path: ['FERRY_DEFAULT_RETRIES'],
        message: `must not exceed FERRY_MAX_RETRIES (${env.FERRY_MAX_RETRIES})`,
      });
    }
  })
  .transform(
    (env): IngestConfig => ({
      port: env.PORT,
      host: env.FERRY_HOST,
      redisUrl: env.REDIS_URL,
      logLevel: env.LOG_LEVEL,
      keyPrefix: env.FERRY_KEY_PREFIX,
      shards: env.FERRY_SHARDS,
      apiToken: env.FERRY_API_TOKEN,
      maxBodyBytes: env.FERRY_MAX_BODY_BYTES,
      defaultRetries: env.FERRY_DEFAULT_RETRIES,
      maxRetries: env.FERRY_MAX_RETRIES,
      maxDelayMs: env.FERRY_MAX_DELAY,
      maxTimeoutMs: env.FERRY_DELIVERY_TIMEOUT_MS,
      allowPrivateDestinations: env.FERRY_ALLOW_PRIVATE_DESTINATIONS,
      eventsMaxLen: env.FERRY_EVENTS_MAXLEN,
      maxFreeAttempts: env.FERRY_MAX_FREE_ATTEMPTS,
      shutdownTimeoutMs: env.FERRY_SHUTDOWN_TIMEOUT_MS,
      maxBacklog: env.FERRY_MAX_BACKLOG,
      maxRedisMemory: env.FERRY_MAX_REDIS_MEMORY,
    }),
  );

export interface IngestConfig {
  /** HTTP port for the API and the probes; 0 picks a free one (the log line says which). */
  port: number;
  /** The address to listen on; every interface when undefined. */
  host: string | undefined;
  redisUrl: string;
  logLevel: LogLevel;
  keyPrefix: string;
  shards: number;
  /** Bearer token every /v1 request must carry; undefined leaves the API open. */
  apiToken: string | undefined;
  /** Largest message body, measured as it will be delivered (after JSON serialisation). */
  maxBodyBytes: number;
  /** Retries of a message that does not say (attempts = retries + 1). */
  defaultRetries: number;
  maxRetries: number;
  /** Furthest into the future a message may be scheduled, by `delay` or `notBefore`. */
  maxDelayMs: number;
  /** Largest per-message `timeout`; the default timeout is the dispatcher's to choose. */
  maxTimeoutMs: number;
  /** Accept destinations on loopback, private and link-local networks (development, internal hooks). */
  allowPrivateDestinations: boolean;
  eventsMaxLen: number;
  maxFreeAttempts: number;
  /** Longest wait for requests in flight when stopping. */
  shutdownTimeoutMs: number;
  /** Most unfinished deliveries a tenant may have (summed over shards) before publishing is refused. */
  maxBacklog: number;
  /** Share of Redis `maxmemory` in use at which publishing is refused; unused when maxmemory is 0. */
  maxRedisMemory: number;
}

/** Parses the environment; a `ConfigError` names every bad or unknown variable. */
export function loadConfig(env: Record<string, string | undefined>, options?: ParseEnvOptions): IngestConfig {
  return parseEnv(IngestEnv, env, options);
}
