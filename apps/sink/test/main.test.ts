import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from '../../../test/support/wait';

// Starts the built entry point, as the bench and the end-to-end tests do.
const MAIN = path.resolve(__dirname, '../dist/main.js');

const children: ChildProcess[] = [];

// A failed assertion must not leave a sink running behind the test run.
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string>): { child: ChildProcess; port: Promise<number> } {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "sink listening" line within 10 s')), 10_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'sink listening' && typeof entry.port === 'number') {
        clearTimeout(timer);
        resolve(entry.port);
      }
    });
    child.once('exit', (code) => reject(new Error(`sink exited with ${code} before listening`)));
  });
  return { child, port };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('sink process', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build apps/sink first`);
  });

  it('logs its port, serves, and stops cleanly on SIGTERM while a request hangs', async () => {
    const { child, port } = start({ PORT: '0', SINK_MAX_RECORDS: '10' });
    const base = `http://127.0.0.1:${await port}`;
    expect((await fetch(`${base}/ok/x`, { method: 'POST', body: '{}' })).status).toBe(200);
    const hanging = fetch(`${base}/hang`).catch(() => 'cut');
    // Stopped only once the hanging request is in: the stop must cut it, not merely outrun it.
    await waitFor(async () => ((await (await fetch(`${base}/_sink/stats`)).json()) as { inFlight: number }).inFlight >= 1, {
      timeoutMs: 5_000,
      what: 'the hanging request to reach the sink',
    });
    const exit = exited(child);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(await hanging).toBe('cut');
  });

  it('refuses a bad variable by name and exits non-zero', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: 'abc' }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exited(child)).toBe(1);
    expect(stderr).toMatch(/PORT/);
  });
});
