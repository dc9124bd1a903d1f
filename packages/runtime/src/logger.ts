import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';
import { serializeError } from './error-serializer';
import { StdoutWriter } from './stdout-writer';

export type { Logger };

// Delivery requests carry the customer's credentials in headers; they must never reach log storage.
const REDACT = [
  'authorization',
  'headers.authorization',
  '*.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
];

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

/** How long a process that is exiting waits for its last log lines to be written. */
const EXIT_FLUSH_MS = 1_000;

/** The stdout writer of each logger createLogger made with it (not those given a destination). */
const stdoutWriters = new WeakMap<Logger, StdoutWriter>();

/** One JSON line per event, tagged with the service so lines from all services can be mixed. */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  // Lines go out without ever waiting for the reader (stdout-writer.ts).
  const stdout = destination === undefined ? new StdoutWriter() : undefined;
  const log = pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination ?? stdout!,
  );
  if (stdout !== undefined) stdoutWriters.set(log, stdout);
  return log;
}

/**
 * Ends the process with `code` once its last log lines are written, or after EXIT_FLUSH_MS if
 * they cannot be: a log reader that lags or has gone must not keep a stopped service alive.
 */
export async function exitAfterLogs(log: Logger, code: number): Promise<never> {
  await stdoutWriters.get(log)?.drained(EXIT_FLUSH_MS);
  process.exit(code);
}
