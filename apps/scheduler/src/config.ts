import { z } from 'zod';
import { baseEnvSchema, envBool, envDurationMs, envInt, parseEnv, type ParseEnvOptions } from '@ferry/runtime';

const schema = z.object({
  ...baseEnvSchema,
  PORT: envInt({ min: 0, max: 65_535, default: 8081 }),
  FERRY_RETENTION: envDurationMs('7d', { min: 0 }),
  FERRY_SCHEDULER_TICK_MS: envDurationMs(25, { min: 1, max: 10_000 }),
  FERRY_REAP_INTERVAL_MS: envDurationMs(1_000, { min: 10, max: 600_000 }),
  FERRY_METRICS_PER_DESTINATION: envBool(false),
});

export type SchedulerConfig = z.output<typeof schema>;

export function loadConfig(env: Record<string, string | undefined>, options?: ParseEnvOptions): SchedulerConfig {
  return parseEnv(schema, env, options);
}
