import { z } from 'zod';

// An empty variable means "not set", as in a compose file with `PORT=`; coercing it would give 0.
const unsetIfEmpty = (value: unknown): unknown => (value === '' ? undefined : value);

const EnvSchema = z.object({
  PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65_535).default(4000)),
  SINK_HOST: z.preprocess(unsetIfEmpty, z.string().optional()),
  SINK_MAX_RECORDS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(10_000_000).default(100_000)),
  SINK_MAX_BODY_BYTES: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).default(256 * 1_048_576)),
});

export interface SinkConfig {
  /** 0 asks the OS for a free port; the chosen one is logged. */
  port: number;
  /** The address to listen on; every interface when undefined. */
  host: string | undefined;
  /** Size of the record ring buffer; the oldest record is dropped beyond it. */
  maxRecords: number;
  /** Most body bytes the records keep together (each body up to 64 KiB); the oldest go first. */
  maxBodyBytes: number;
}

/** Parses the environment; the error names every offending variable. */
export function loadConfig(env: Record<string, string | undefined>): SinkConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const { PORT, SINK_HOST, SINK_MAX_RECORDS, SINK_MAX_BODY_BYTES } = parsed.data;
  return { port: PORT, host: SINK_HOST, maxRecords: SINK_MAX_RECORDS, maxBodyBytes: SINK_MAX_BODY_BYTES };
}
