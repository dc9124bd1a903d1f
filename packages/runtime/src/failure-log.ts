import type { Logger } from './logger';

export interface FailureLogOptions {
  log: Logger;
  /** Fields on every line, naming what fails (`{ loop: 'promote' }`). */
  fields?: Record<string, unknown>;
  /** The error line's message. */
  failed: string;
  /** The info line's message when it works again. */
  recovered: string;
  /** At most one error line per this many ms while the failures go on. */
  intervalMs?: number;
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = 5_000;

/**
 * Logs something that is retried until it works (a loop's step, a connection) without a line per
 * try while Redis is down: the first failure at `error`, then at most one line per interval with
 * how many failures it did not log (`suppressed`), and one `info` line with the count of failures
 * (`failures`) once it succeeds again.
 */
export class FailureLog {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private failures = 0;
  private suppressed = 0;
  private lastLoggedAt = -Infinity;

  constructor(private readonly options: FailureLogOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  failed(err: unknown): void {
    this.failures++;
    const now = this.now();
    if (now - this.lastLoggedAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.options.log.error({ ...this.options.fields, err, suppressed: this.suppressed }, this.options.failed);
    this.lastLoggedAt = now;
    this.suppressed = 0;
  }

  /** Cheap when nothing failed, so it can be called after every success. */
  succeeded(): void {
    if (this.failures === 0) return;
    this.options.log.info({ ...this.options.fields, failures: this.failures }, this.options.recovered);
    this.failures = 0;
    this.suppressed = 0;
    this.lastLoggedAt = -Infinity;
  }
}
