import { z } from 'zod';

// An empty variable means "not set", as in a compose file with `PORT=`; coercing it would give 0.
const unsetIfEmpty = (value: unknown): unknown => (value === '' ? undefined : value);

const EnvSchema = z.object({
  PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65_535).default(4000)),
  SINK_HOST: z.preprocess(unsetIfEmpty, z.string().optional()),
  SINK_MAX_RECORDS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(10_000_000).default(100_000)),
});

export interface SinkConfig {
  /** 0 asks the OS for a free port; the chosen one is logged. */
  port: number;
  /** The address to listen on; every interface when undefined. */
  host: string | undefined;
  /** Size of the record ring buffer; the oldest record is dropped beyond it. */
  maxRecords: number;
}

/** Parses the environment; the error names every offending variable. */
export function loadConfig(env: Record<string, string | undefined>): SinkConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return { port: parsed.data.PORT, host: parsed.data.SINK_HOST, maxRecords: parsed.data.SINK_MAX_RECORDS };
}
