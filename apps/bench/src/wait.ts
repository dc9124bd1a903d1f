/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Named in the timeout error: "timed out after 5000 ms waiting for <what>". */
  what: string;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls `check` until it answers something other than undefined. A throw from `check` ends the
 * wait at once: checks return undefined for "not yet" and throw only for "never" (a process that
 * exited), so a broken run fails fast instead of at its deadline.
 */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 50, options.signal);
  }
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}
