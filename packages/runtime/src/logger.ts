import { constants, openSync } from 'node:fs';
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

/** How long a process that is exiting waits for its last log lines to be written. */
const EXIT_FLUSH_MS = 1_000;
/** Log lines held while stdout's reader falls behind; lines past this are dropped. */
const STDOUT_BUFFER_BYTES = 16 * 1024 * 1024;

/** The stdout writer of each logger createLogger made with it (not those given a destination). */
const stdoutWriters = new WeakMap<Logger, ReturnType<typeof pino.destination>>();

/**
 * A descriptor for stdout on which no write waits. A write that waited would hold a thread of
 * the pool, and a process does not exit while one is held. Opening process.stdout makes a pipe
 * non-blocking. Node keeps a terminal blocking, so a terminal gets a descriptor of its own,
 * opened non-blocking, on systems that can name it (Linux); elsewhere it stays as it is.
 */
function nonBlockingStdout(): number {
  if (!process.stdout.isTTY) return process.stdout.fd;
  try {
    return openSync('/proc/self/fd/1', constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return process.stdout.fd;
  }
}

/** One JSON line per event, tagged with the service so lines from all services can be mixed. */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  // Lines are written without blocking: a log reader that falls behind costs memory (up to
  // STDOUT_BUFFER_BYTES), not the event loop.
  const stdout = destination === undefined ? pino.destination({ dest: nonBlockingStdout(), minLength: 0, maxLength: STDOUT_BUFFER_BYTES }) : undefined;
  if (stdout !== undefined) {
    // Any other way out (a crash, an exit of its own): lines not yet written are dropped rather
    // than left to pino's flush at exit, which retries a write that cannot go through for ever.
    process.prependListener('exit', () => stdout.destroy());
  }
  const log = pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination ?? stdout!,
  );
  if (stdout !== undefined) stdoutWriters.set(log, stdout);
  return log;
}

/**
 * Ends the process with `code` once its last log lines are written, or after EXIT_FLUSH_MS if
 * they cannot be: a log reader that stalls or has gone must not keep a stopped service alive.
 * (pino's own flush at exit retries a write that failed for a gone reader, EPIPE, for ever; the
 * writer is closed first so that flush is skipped.)
 */
export async function exitAfterLogs(log: Logger, code: number): Promise<never> {
  const stdout = stdoutWriters.get(log);
  if (stdout !== undefined) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, EXIT_FLUSH_MS);
      stdout.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        stdout.end(); // closes once every line is written (stdout itself stays open)
      } catch {
        resolve(); // closed already
      }
    });
    stdout.destroy();
  }
  process.exit(code);
}
