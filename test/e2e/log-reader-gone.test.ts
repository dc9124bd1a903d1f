import { spawn } from 'node:child_process';
import { join } from 'node:path';

const RUNTIME = join(__dirname, '..', '..', 'packages', 'runtime', 'dist', 'index.js');

/** Runs `body` in a node process with a service logger `log`; stdout is a pipe this test holds. */
function withLogger(body: string) {
  const script = `
    const { createLogger, exitAfterLogs } = require(${JSON.stringify(RUNTIME)});
    const log = createLogger({ service: 'test', level: 'info' });
    ${body}
  `;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exitOf(child: ReturnType<typeof spawn>, killAfterMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
}

/**
 * A service's log reader may go away (a crashed log shipper, a parent killed with -9) or stop
 * reading (a paused terminal). Neither may stop the service from working, or from exiting.
 */
describe('a service logger', () => {
  it('lets the process exit when its reader has gone', async () => {
    // Logs a moment after our end of its stdout is closed, then exits as a service's shutdown does.
    const child = withLogger(`setTimeout(() => { log.info('shutting down'); log.info('shutdown complete'); void exitAfterLogs(log, 0); }, 300);`);
    child.stdout!.destroy();
    expect(await exitOf(child, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('keeps the event loop running, and exits, while its reader does not read', async () => {
    // Far more than a pipe holds (64 KiB): a writer that blocks stops the loop at the first full pipe.
    const child = withLogger(`
      for (let i = 0; i < 5000; i++) log.info({ filler: 'x'.repeat(1000) }, 'line');
      setTimeout(() => { process.stderr.write('alive\\n'); void exitAfterLogs(log, 0); }, 100);
    `);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.pause();
    expect(await exitOf(child, 10_000)).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('alive');
  });
});
