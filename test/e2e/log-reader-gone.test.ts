import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/wait';

const RUNTIME = join(__dirname, '..', '..', 'packages', 'runtime', 'dist', 'index.js');
const SINK = join(__dirname, '..', '..', 'apps', 'sink', 'dist', 'main.js');

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

/** Runs `body` with stdout a pipe this test never reads (paused), until it exits (10 s at most). */
async function runWithStalledReader(body: string) {
  const child = withLogger(body);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.pause();
  const ended = await exitOf(child, 10_000);
  return { ...ended, stderr };
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
    const ended = await runWithStalledReader(`
      for (let i = 0; i < 5000; i++) log.info({ filler: 'x'.repeat(1000) }, 'line');
      setTimeout(() => { process.stderr.write('alive\\n'); void exitAfterLogs(log, 0); }, 100);
    `);
    expect(ended).toEqual({ code: 0, signal: null, stderr: 'alive\n' });
  });

  it('exits while the terminal it logs to is not read (a paused terminal)', async () => {
    // `script` gives the process a terminal and copies it to a pipe that this test never reads,
    // so the terminal fills up. The process writes its pid; it has exited once it is a zombie
    // (`script`, stuck on the pipe, cannot reap it) or gone.
    const dir = mkdtempSync(join(tmpdir(), 'ferry-tty-'));
    const pidFile = join(dir, 'pid');
    const inner = `
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
      const { createLogger, exitAfterLogs } = require(${JSON.stringify(RUNTIME)});
      const log = createLogger({ service: 'test', level: 'info' });
      for (let i = 0; i < 2000; i++) log.info({ filler: 'x'.repeat(1000) }, 'line');
      setTimeout(() => void exitAfterLogs(log, 0), 100);
    `;
    const scriptFile = join(dir, 'logs.js');
    writeFileSync(scriptFile, inner);
    const terminal = spawn('script', ['-qfec', `'${process.execPath}' '${scriptFile}'`, '/dev/null'], { stdio: ['ignore', 'pipe', 'ignore'] });
    terminal.stdout!.pause();
    try {
      const pid = await waitFor(async () => { try { return Number(readFileSync(pidFile, 'utf8')) || undefined; } catch { return undefined; } }, { what: 'the pid' });
      const state = () => {
        try {
          return /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        } catch {
          return 'gone';
        }
      };
      await waitFor(async () => state() === 'Z' || state() === 'gone', { what: 'the process to exit', timeoutMs: 5_000 });
    } finally {
      terminal.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets the sink stop cleanly when its reader has gone', async () => {
    const sink = spawn(process.execPath, [SINK], { env: { PATH: process.env.PATH ?? '', PORT: '0', SINK_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    sink.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(async () => stdout.includes('sink listening'), { what: 'the sink to listen' });
    sink.stdout!.destroy();
    // Its "sink stopped" line meets the closed pipe.
    sink.kill('SIGTERM');
    expect(await exitOf(sink, 10_000)).toEqual({ code: 0, signal: null });
  });

  it('writes every line of a process that exits at once after logging, while its reader keeps up', async () => {
    const child = withLogger(`
      for (let i = 0; i < 200; i++) log.info({ i }, 'line');
      process.exit(3);
    `);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const read = new Promise((resolve) => child.stdout!.once('close', resolve));
    expect(await exitOf(child, 10_000)).toEqual({ code: 3, signal: null });
    await read;
    expect(stdout.split('\n').filter((line) => line.includes('"msg":"line"'))).toHaveLength(200);
  });

  it('logs a fatal line without waiting while its reader does not read', async () => {
    const ended = await runWithStalledReader(`
      for (let i = 0; i < 3000; i++) log.info({ filler: 'x'.repeat(1000) }, 'line');
      log.fatal('giving up');
      process.stderr.write('after the fatal line\\n');
      void exitAfterLogs(log, 1);
    `);
    expect(ended).toEqual({ code: 1, signal: null, stderr: 'after the fatal line\n' });
  });

  it('lets a process that crashes while its reader does not read die, with its error on stderr', async () => {
    const ended = await runWithStalledReader(`
      for (let i = 0; i < 5000; i++) log.info({ filler: 'x'.repeat(1000) }, 'line');
      setTimeout(() => { throw new Error('boom'); }, 100);
    `);
    expect(ended.signal).toBeNull();
    expect(ended.code).not.toBe(0);
    expect(ended.stderr).toContain('Error: boom');
  });
});
