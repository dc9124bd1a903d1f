import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { ServiceName } from '../support/service-process';
import { useRedis } from '../support/use-redis';

const ROOT = join(__dirname, '..', '..');
const SERVICES: ServiceName[] = ['ingest', 'scheduler', 'dispatcher'];

interface Ended {
  code: number | null;
  logs: Array<Record<string, unknown>>;
  stderr: string;
  ms: number;
}

/** Runs a built service until it exits by itself; killed after 20 s, which fails the test. */
function runUntilExit(name: ServiceName, env: Record<string, string>): Promise<Ended> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const logs = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, logs, stderr, ms: Date.now() - startedAt });
    });
  });
}

describe('a service that cannot start', () => {
  const ctx = useRedis();
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken?.close(resolve));
  });

  it.each(SERVICES)('%s lists every configuration problem and exits 2', async (name) => {
    const ended = await runUntilExit(name, { REDIS_URL: ctx.server.url, PORT: '0', FERRY_SHARDS: '0', FERRY_NO_SUCH_SETTING: '1' });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/^Configuration error:\n/);
    expect(ended.stderr).toMatch(/FERRY_SHARDS/);
    expect(ended.stderr).toMatch(/FERRY_NO_SUCH_SETTING/);
  });

  it.each(SERVICES)('%s logs why when its port is taken, closes what it opened and exits 1', async (name) => {
    const ended = await runUntilExit(name, { REDIS_URL: ctx.server.url, PORT: String(takenPort) });
    expect(ended.code).toBe(1);
    const fatal = ended.logs.find((line) => line.msg === `${name} failed to start`);
    expect(fatal).toMatchObject({ level: 60, service: name });
    expect(JSON.stringify(fatal?.err)).toMatch(/EADDRINUSE/);
    expect(ended.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
    // Well inside the kill timer: nothing it opened kept it alive.
    expect(ended.ms).toBeLessThan(15_000);
  });
});
