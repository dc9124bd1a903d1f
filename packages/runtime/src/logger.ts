import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

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

/** One JSON line per event, tagged with the service so lines from all services can be mixed. */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    // Written as each line is logged. The buffered writer flushes at exit and retries a failed
    // write without end: with its reader gone (EPIPE) a process then never exits.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
