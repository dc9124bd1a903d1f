type Closer = () => unknown;

// A closer that hangs (a connection to a server already gone) must not hold up the rest.
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * What one run started (processes, Redis connections, temp folders), closed in reverse order when
 * the run ends — however it ends. A scenario that overruns its budget is abandoned mid-await; its
 * scope is what still gets every process killed.
 */
export class Scope {
  private closers: Closer[] = [];
  private closed = false;

  constructor(readonly name: string) {}

  /** Registers `close`; runs it at once when the scope is already closed (a late start). */
  defer(close: Closer): void {
    if (this.closed) {
      void runQuietly(close);
      return;
    }
    this.closers.push(close);
  }

  /** A nested scope, closed with this one if it is still open then. */
  child(name: string): Scope {
    const child = new Scope(`${this.name}/${name}`);
    this.defer(() => child.close());
    return child;
  }

  /** Runs every closer, newest first, even when one throws; answers the failures as text. */
  async close(): Promise<string[]> {
    if (this.closed) return [];
    this.closed = true;
    const failures: string[] = [];
    for (const close of this.closers.reverse()) {
      const failure = await runQuietly(close);
      if (failure !== undefined) failures.push(`${this.name}: ${failure}`);
    }
    this.closers = [];
    return failures;
  }
}

/** Runs `body` in a child scope of `parent` that closes when the body settles. */
export async function withScope<T>(parent: Scope, name: string, body: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = parent.child(name);
  try {
    return await body(scope);
  } finally {
    await scope.close();
  }
}

async function runQuietly(close: Closer): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a close step took over ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(close), timeout]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}
