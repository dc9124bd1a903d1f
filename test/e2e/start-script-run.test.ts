import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';
import { waitFor } from '../support/wait';

const START = join(__dirname, '..', '..', 'scripts', 'start.js');

/** `npm start` as a newcomer runs it, against a Redis of the test's own and on free ports. */
describe('npm start', () => {
  let redis: RedisServer;
  let start: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    // Should the test fail before it stops the script: a SIGTERM, which stops the services (in
    // process groups of their own, out of reach of a signal to the script's group) in order.
    if (start?.pid !== undefined && start.exitCode === null && start.signalCode === null) {
      const exited = new Promise((resolve) => start!.once('exit', resolve));
      start.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    }
    await redis.destroy();
  }, 40_000);

  it('runs every service on 127.0.0.1 only, delivers a message, and stops gracefully on SIGINT', async () => {
    const [sink, ingest, scheduler, dispatcher] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    start = spawn(process.execPath, [START], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: redis.url,
        SINK_PORT: String(sink),
        INGEST_PORT: String(ingest),
        SCHEDULER_PORT: String(scheduler),
        DISPATCHER_PORT: String(dispatcher),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a terminal gives a foreground job.
      detached: true,
    });
    start.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));

    await waitFor(() => output.includes('Ferry is running'), { what: 'the banner', timeoutMs: 30_000 });
    for (const name of ['sink', 'ingest', 'scheduler', 'dispatcher']) {
      const started = output.split('\n').find((line) => line.startsWith(`[${name}]`) && /"msg":"(sink )?listening"/.test(line));
      expect(started).toContain('"host":"127.0.0.1"');
    }

    const publish = await fetch(`http://127.0.0.1:${ingest}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: `http://127.0.0.1:${sink}/ok/start`, body: { hello: 'world' } }),
    });
    expect(publish.status).toBe(202);
    const { messageId } = (await publish.json()) as { messageId: string };
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${ingest}/v1/messages/${messageId}`)).json()) as { state: string }).state === 'delivered',
      { what: 'the message to be delivered' },
    );

    // Ctrl-C: the terminal signals the whole foreground process group. The services have groups
    // of their own, so only the script gets it, and it stops them one by one with one SIGTERM each.
    process.kill(-start.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/second signal/);
    expect(output).toMatch(/\[dispatcher\].*"msg":"shutdown complete"/);
    for (const port of [sink, ingest, scheduler, dispatcher]) {
      await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
    }
  });
});
