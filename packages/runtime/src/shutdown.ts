import type { Logger } from './logger';

export type ShutdownHandler = () => Promise<void> | void;

/**
 * What a service's shutdown deadline adds to FERRY_SHUTDOWN_TIMEOUT_MS, the budget of its drain:
 * time for hand-backs and closing connections once the drain ends.
 */
export const CLOSE_ALLOWANCE_MS = 5_000;

export interface ShutdownResult {
  /** True when the deadline passed before every handler finished. */
  timedOut: boolean;
}

export interface ShutdownCoordinatorOptions {
  log: Logger;
  /** Upper bound for the whole shutdown; keep it below the orchestrator's kill grace period. */
  deadlineMs: number;
}

/**
 * The one place a process stops from. Components register as they start; shutdown stops them in
 * reverse, so the last thing started (intake) stops first and work in flight can drain into
 * components that are still up.
 */
export class ShutdownCoordinator {
  private readonly handlers: { name: string; fn: ShutdownHandler }[] = [];
  private running: Promise<ShutdownResult> | undefined;
  private pastDeadline = false;

  constructor(private readonly options: ShutdownCoordinatorOptions) {}

  get isShuttingDown(): boolean {
    return this.running !== undefined;
  }

  register(name: string, fn: ShutdownHandler): void {
    // A component starting after shutdown began would never be stopped; refuse it so its start fails.
    if (this.running) throw new Error(`Cannot register shutdown handler "${name}": shutdown has begun`);
    this.handlers.push({ name, fn });
  }

  /** Idempotent: every caller (signal, fatal error, test) gets the same promise. Never rejects. */
  shutdown(reason: string): Promise<ShutdownResult> {
    this.running ??= this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<ShutdownResult> {
    const { log, deadlineMs } = this.options;
    const startedAt = Date.now();
    log.info({ reason, handlers: this.handlers.length }, 'shutting down');

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    try {
      const outcome = await Promise.race([this.runHandlers().then(() => 'done' as const), deadline]);
      if (outcome === 'deadline') {
        this.pastDeadline = true;
        log.error({ deadlineMs }, 'shutdown deadline passed; abandoning the remaining handlers');
        return { timedOut: true };
      }
      log.info({ ms: Date.now() - startedAt }, 'shutdown complete');
      return { timedOut: false };
    } finally {
      clearTimeout(timer);
    }
  }

  private async runHandlers(): Promise<void> {
    for (const { name, fn } of [...this.handlers].reverse()) {
      // The process exits soon after the deadline; starting more handlers would only race that.
      if (this.pastDeadline) return;
      try {
        await fn();
      } catch (err) {
        // One broken handler must not keep the others from releasing their resources.
        this.options.log.error({ err, handler: name }, 'shutdown handler failed');
      }
    }
  }
}

/**
 * SIGTERM / SIGINT start the shutdown and exit when it ends (1 if it timed out). A second signal
 * exits at once: the operator pressing Ctrl-C twice wants the process gone now.
 * Returns a function that removes the handlers again.
 */
export function installSignalHandlers(
  coordinator: ShutdownCoordinator,
  log: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(1);
      return;
    }
    signalled = true;
    log.info({ signal }, 'signal received');
    void coordinator.shutdown(signal).then(({ timedOut }) => exit(timedOut ? 1 : 0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
