import { createMemoryLogger } from './memory-logger';
import { ShutdownCoordinator, installSignalHandlers } from './shutdown';

function coordinator(deadlineMs = 5_000) {
  const { log, lines } = createMemoryLogger();
  return { shutdown: new ShutdownCoordinator({ log, deadlineMs }), lines };
}

describe('ShutdownCoordinator', () => {
  it('stops components in reverse order of registration, waiting for each', async () => {
    const { shutdown } = coordinator();
    const events: string[] = [];
    shutdown.register('redis', () => {
      events.push('redis');
    });
    shutdown.register('dispatch loop', async () => {
      await Promise.resolve();
      events.push('dispatch loop');
    });
    shutdown.register('intake', () => {
      events.push('intake');
    });

    await expect(shutdown.shutdown('SIGTERM')).resolves.toEqual({ timedOut: false });
    expect(events).toEqual(['intake', 'dispatch loop', 'redis']);
  });

  it('is idempotent: a second call gets the same promise and runs nothing again', async () => {
    const { shutdown } = coordinator();
    let calls = 0;
    shutdown.register('counter', () => {
      calls++;
    });
    expect(shutdown.isShuttingDown).toBe(false);
    const first = shutdown.shutdown('SIGTERM');
    expect(shutdown.isShuttingDown).toBe(true);
    const second = shutdown.shutdown('SIGINT');
    expect(second).toBe(first);
    await first;
    await shutdown.shutdown('again');
    expect(calls).toBe(1);
  });

  it('runs every handler even when some throw, and logs each failure with its name', async () => {
    const { shutdown, lines } = coordinator();
    const ran: string[] = [];
    shutdown.register('first', () => {
      ran.push('first');
    });
    shutdown.register('rejects', async () => {
      ran.push('rejects');
      throw new Error('flush failed');
    });
    shutdown.register('throws', () => {
      ran.push('throws');
      throw new Error('already closed');
    });

    await expect(shutdown.shutdown('test')).resolves.toEqual({ timedOut: false });
    expect(ran).toEqual(['throws', 'rejects', 'first']);
    const failures = lines.filter((line) => line.msg === 'shutdown handler failed');
    expect(failures.map((line) => [line.handler, (line.err as { message: string }).message])).toEqual([
      ['throws', 'already closed'],
      ['rejects', 'flush failed'],
    ]);
  });

  it('gives up at the deadline and does not start the remaining handlers', async () => {
    const { shutdown, lines } = coordinator(50);
    let earlierRan = false;
    shutdown.register('earlier', () => {
      earlierRan = true;
    });
    let release = () => {};
    shutdown.register('slow', () => new Promise<void>((resolve) => (release = resolve)));

    const startedAt = Date.now();
    await expect(shutdown.shutdown('test')).resolves.toEqual({ timedOut: true });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(lines.find((line) => line.msg?.includes('deadline'))).toMatchObject({ level: 50, deadlineMs: 50 });

    // The slow handler finishing late must not start the next one: the process is about to exit.
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(earlierRan).toBe(false);
  });

  it('refuses handlers registered after shutdown began', async () => {
    const { shutdown } = coordinator();
    await shutdown.shutdown('test');
    expect(() => shutdown.register('late', () => {})).toThrow('shutdown has begun');
  });
});

describe('installSignalHandlers', () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it('shuts down on SIGTERM and exits 0 when done', async () => {
    const { shutdown, lines } = coordinator();
    const stopped: string[] = [];
    shutdown.register('intake', () => {
      stopped.push('intake');
    });
    const exited = new Promise<number>((resolve) => {
      uninstall = installSignalHandlers(shutdown, createMemoryLogger().log, resolve);
    });

    process.emit('SIGTERM', 'SIGTERM');
    await expect(exited).resolves.toBe(0);
    expect(stopped).toEqual(['intake']);
    expect(lines.find((line) => line.msg === 'shutting down')).toMatchObject({ reason: 'SIGTERM' });
  });

  it('exits 1 when the shutdown timed out', async () => {
    const { shutdown } = coordinator(20);
    shutdown.register('hangs', () => new Promise<void>(() => {}));
    const exited = new Promise<number>((resolve) => {
      uninstall = installSignalHandlers(shutdown, createMemoryLogger().log, resolve);
    });

    process.emit('SIGINT', 'SIGINT');
    await expect(exited).resolves.toBe(1);
  });

  it('exits 1 at once on a second signal', async () => {
    const { shutdown } = coordinator();
    let release = () => {};
    shutdown.register('slow', () => new Promise<void>((resolve) => (release = resolve)));
    const codes: number[] = [];
    uninstall = installSignalHandlers(shutdown, createMemoryLogger().log, (code) => codes.push(code));

    process.emit('SIGTERM', 'SIGTERM');
    expect(shutdown.isShuttingDown).toBe(true);
    expect(codes).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    expect(codes).toEqual([1]);

    release();
    await shutdown.shutdown('test');
  });
});
