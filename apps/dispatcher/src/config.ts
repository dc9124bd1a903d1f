import { z } from 'zod';
import { baseEnvSchema, deliveryEnvSchema, envDurationMs, envInt, envList, parseEnv, type ParseEnvOptions } from '@ferry/runtime';

const schema = z
  .object({
    ...baseEnvSchema,
    ...deliveryEnvSchema,
    PORT: envInt({ min: 0, max: 65_535, default: 8082 }),
    FERRY_LEASE_MS: envDurationMs(30_000, { min: 1_000 }),
    FERRY_RETRY_BASE_MS: envDurationMs(10_000, { min: 1 }),
    FERRY_RETRY_FACTOR: envInt({ min: 1, max: 100, default: 6 }),
    FERRY_RETRY_MAX_MS: envDurationMs('12h', { min: 1 }),
    FERRY_DISPATCH_CONCURRENCY: envInt({ min: 1, max: 10_000, default: 128 }),
    FERRY_CLAIM_BATCH: envInt({ min: 1, max: 1_000, default: 64 }),
    FERRY_DEST_CONCURRENCY: envInt({ min: 1, max: 100_000, default: 32 }),
    FERRY_MAX_RETRY_AFTER: envDurationMs('15m', { min: 0 }),
    FERRY_NON_RETRYABLE_STATUSES: envList([]),
    FERRY_RESPONSE_EXCERPT_BYTES: envInt({ min: 0, max: 16_384, default: 1_024 }),
  })
  .superRefine((env, ctx) => {
    // A lease must outlive the longest attempt, or a slow but healthy delivery would be handed
    // to a second dispatcher while the first is still sending it.
    if (env.FERRY_LEASE_MS < env.FERRY_DELIVERY_TIMEOUT_MS + 5_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['FERRY_LEASE_MS'],
        message: `must be at least FERRY_DELIVERY_TIMEOUT_MS + 5000 (${env.FERRY_DELIVERY_TIMEOUT_MS + 5_000} ms)`,
      });
    }
    if (env.FERRY_RETRY_MAX_MS < env.FERRY_RETRY_BASE_MS) {
      ctx.addIssue({ code: 'custom', path: ['FERRY_RETRY_MAX_MS'], message: 'must not be below FERRY_RETRY_BASE_MS' });
    }
    env.FERRY_NON_RETRYABLE_STATUSES.forEach((status) => {
      if (!/^[1-5]\d\d$/.test(status)) {
        ctx.addIssue({ code: 'custom', path: ['FERRY_NON_RETRYABLE_STATUSES'], message: `"${status}" is not an HTTP status` });
      }
    });
  });

export type DispatcherConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>, options?: ParseEnvOptions): DispatcherConfig {
  return parseEnv(schema, env, options);
}
