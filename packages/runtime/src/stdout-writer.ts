import { constants, openSync, writeSync } from 'node:fs';

/** Log bytes held while stdout's reader lags; lines past this are dropped. */
const MAX_HELD_BYTES = 16 * 1024 * 1024;
/** How often held lines are tried again while the reader lags. */
const RETRY_MS = 50;

/**
 * Where a service's log lines go: stdout, through a descriptor on which no write waits. A line
 * is written at once while the reader keeps up; while it lags (a slow shipper, a paused
 * terminal) lines are held in memory and tried again, up to MAX_HELD_BYTES, and later ones are
 * dropped; once the reader has gone (EPIPE) lines are dropped. Nothing here can block the event
 * loop or hold the process at exit, which a log writer that waits does: the service then
 * answers nothing, and ignores SIGTERM.
 */
export class StdoutWriter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private retry: NodeJS.Timeout | undefined;
  private gone = false;

  constructor(private readonly fd: number = nonBlockingStdout()) {
    // Any way out: one last try for what is held, then whatever cannot go is left.
    process.prependListener('exit', () => this.flushSync());
  }

  /** For pino: one log line. */
  write(line: string): void {
    if (this.gone) return;
    if (this.held.length > 0) this.hold(Buffer.from(line));
    else this.writeNow(Buffer.from(line));
  }

  /** Writes what is held as far as the reader takes it now, without waiting (pino calls it after a fatal line). */
  flushSync(): void {
    while (this.held.length > 0 && !this.gone) {
      const first = this.held[0]!;
      const written = this.tryWrite(first);
      if (written === undefined) return;
      this.heldBytes -= written;
      if (written < first.length) {
        this.held[0] = first.subarray(written);
        return;
      }
      this.held.shift();
    }
  }

  /** Resolves once nothing is held, or after `ms`. */
  async drained(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.held.length > 0 && !this.gone && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      this.flushSync();
    }
  }

  private writeNow(line: Buffer): void {
    const written = this.tryWrite(line);
    if (written === undefined) this.hold(line);
    else if (written < line.length) this.hold(line.subarray(written));
  }

  /** Bytes written, or undefined when the reader takes none now (EAGAIN). A gone reader drops everything. */
  private tryWrite(bytes: Buffer): number | undefined {
    try {
      return writeSync(this.fd, bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return undefined;
      this.gone = true;
      this.held = [];
      this.heldBytes = 0;
      return undefined;
    }
  }

  private hold(bytes: Buffer): void {
    if (this.heldBytes + bytes.length > MAX_HELD_BYTES) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    this.tryAgainLater();
  }

  private tryAgainLater(): void {
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.flushSync();
      if (this.held.length > 0 && !this.gone) this.tryAgainLater();
    }, RETRY_MS).unref();
  }
}

/**
 * A descriptor for stdout on which no write waits. Opening process.stdout makes a pipe
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
