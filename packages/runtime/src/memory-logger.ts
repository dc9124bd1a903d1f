import { createLogger, type Logger } from './logger';
import type { LogLevel } from './config';

export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/**
 * A real logger whose lines land in an array, for tests that assert what was logged (pino's own
 * tests do the same with an in-memory sink). pino writes to it synchronously.
 */
export function createMemoryLogger({ service = 'test', level = 'trace' }: { service?: string; level?: LogLevel } = {}): {
  log: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const destination = {
    write(line: string) {
      lines.push(JSON.parse(line) as LogLine);
    },
  };
  return { log: createLogger({ service, level, destination }), lines };
}
