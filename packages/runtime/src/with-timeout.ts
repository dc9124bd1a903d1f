/**
 * Settles as `promise` does, or rejects with `timedOut()` once `ms` have passed, whichever comes
 * first. The timer is cleared either way, so a settled race keeps no process alive. The promise
 * itself is not cancelled: a late answer is ignored.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
