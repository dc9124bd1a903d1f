import { z } from 'zod';

// An empty variable (or spaces only) means "not set", as in a compose file with `PORT=`.
const unsetIfEmpty = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * Digits only, as the services read their numbers: coercion would take ` 8080`, `0x1f90` and
 * `1e3` as well, and listen somewhere the operator did not ask for.
 */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^\d{1,16}$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().min(min).max(max))
      .default(fallback),
  );

const EnvSchema = z.object({
  PORT: wholeNumber(0, 65_535, 4000),
  SINK_HOST: z.preprocess(unsetIfEmpty, z.string().optional()),
  SINK_MAX_RECORDS: wholeNumber(1, 10_000_000, 100_000),
  SINK_MAX_BODY_BYTES: wholeNumber(1, Number.MAX_SAFE_INTEGER, 256 * 1_048_576),
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
