/**
 * What every baseline process shares: reading its few settings, announcing itself with one JSON
 * line on stdout (the bench waits for it), and ending with its parent.
 */

export function intEnv(name: string, fallback?: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is required`);
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number (got "${raw}")`);
  return value;
}

export function stringEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

/** Host and port from REDIS_URL, as BullMQ takes them. */
export function redisConnection(): { host: string; port: number } {
  const url = new URL(stringEnv('REDIS_URL'));
  return { host: url.hostname, port: Number(url.port || 6379) };
}

export function announce(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

/**
 * Runs `close` and exits on SIGTERM, SIGINT or when stdin closes: the bench keeps a pipe to every
 * baseline's stdin, so a bench that dies (even by SIGKILL) takes its baselines with it.
 */
export function exitWithParent(close: () => Promise<unknown>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), 5_000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

/** Reports a failed start on stderr (the bench shows it) and exits non-zero. */
export function failed(err: unknown): void {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
