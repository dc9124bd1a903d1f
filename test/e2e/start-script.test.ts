import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../support/free-port';

const START = join(__dirname, '..', '..', 'scripts', 'start.js');

function runStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('npm start without Redis', () => {
  it('says how to get Redis when there is no REDIS_URL and no redis-server', async () => {
    const { code, stderr } = await runStart({ PATH: '/nonexistent' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/needs Redis/);
    expect(stderr).toMatch(/REDIS_URL=redis:\/\//);
    expect(stderr).toMatch(/install redis-server/);
  });

  it('says so when REDIS_URL points at nothing', async () => {
    const port = await freePort();
    const { code, stderr } = await runStart({ PATH: process.env.PATH ?? '', REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`nothing answers at 127.0.0.1:${port}`));
  });
});
