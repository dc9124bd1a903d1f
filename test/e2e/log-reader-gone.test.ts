import { spawn } from 'node:child_process';
import { join } from 'node:path';

const RUNTIME = join(__dirname, '..', '..', 'packages', 'runtime', 'dist', 'index.js');

/**
 * A service whose log reader has gone (a crashed log shipper, a parent killed with -9) must still
 * exit. Writing to a pipe nobody reads fails with EPIPE; a logger that retried the write at exit
 * kept the process alive for ever, deaf to a second SIGTERM.
 */
describe('a service logger whose reader has gone', () => {
  it('lets the process exit', async () => {
    // Logs a moment after our end of its stdout is closed, then exits at once, as a service's
    // shutdown does after its last lines.
    const script = `
      const { createLogger } = require(${JSON.stringify(RUNTIME)});
      const log = createLogger({ service: 'test', level: 'info' });
      setTimeout(() => { log.info('shutting down'); log.info('shutdown complete'); process.exit(0); }, 300);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.destroy();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
