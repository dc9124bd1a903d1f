import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';
import { waitFor } from '../support/wait';

const START = join(__dirname, '..', '..', 'scripts', 'start.js');

interface RunningStart {
  child: ChildProcess;
  ports: { sink: number; ingest: number; scheduler: number; dispatcher: number };
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` as a newcomer runs it, against a Redis of the test's own and on free ports. */
describe('npm start', () => {
  let redis: RedisServer;
  let start: RunningStart | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    // Should a test fail before it stops the script: a SIGTERM, which stops the services (in
    // process groups of their own, out of reach of a signal to the script's group) in order.
    const child = start?.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([start!.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    }
    start = undefined;
  }, 40_000);
  afterAll(() => redis.destroy());

  async function startFerry(env: Record<string, string> = {}): Promise<RunningStart> {
    const [sink, ingest, scheduler, dispatcher] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(process.execPath, [START], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: redis.url,
        SINK_PORT: String(sink),
        INGEST_PORT: String(ingest),
        SCHEDULER_PORT: String(scheduler),
        DISPATCHER_PORT: String(dispatcher),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a terminal gives a foreground job.
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    start = { child, ports: { sink, ingest, scheduler, dispatcher }, output: () => output, exited };
    await waitFor(() => output.includes('Ferry is running'), { what: 'the banner', timeoutMs: 30_000 });
    return start;
  }

  async function publish(ingest: number, destination: string): Promise<string> {
    const answer = await fetch(`http://127.0.0.1:${ingest}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination, body: { hello: 'world' } }),
    });
    expect(answer.status).toBe(202);
    return ((await answer.json()) as { messageId: string }).messageId;
  }

  /** Ctrl-C: the terminal signals the whole foreground process group, so only the script gets it. */
  const ctrlC = (running: RunningStart) => process.kill(-running.child.pid!, 'SIGINT');

  it('runs every service on 127.0.0.1 only, whatever FERRY_HOST says, delivers a message, and stops gracefully on SIGINT', async () => {
    const running = await startFerry({ FERRY_HOST: '0.0.0.0', SINK_HOST: '0.0.0.0' });
    const { sink, ingest, scheduler, dispatcher } = running.ports;
    for (const name of ['sink', 'ingest', 'scheduler', 'dispatcher']) {
      const started = running.output().split('\n').find((line) => line.startsWith(`[${name}]`) && /"msg":"(sink )?listening"/.test(line));
      expect(started).toContain('"host":"127.0.0.1"');
    }

    const messageId = await publish(ingest, `http://127.0.0.1:${sink}/ok/start`);
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${ingest}/v1/messages/${messageId}`)).json()) as { state: string }).state === 'delivered',
      { what: 'the message to be delivered' },
    );

    // The services have groups of their own, so the script stops them one by one with one SIGTERM each.
    ctrlC(running);
    expect(await running.exited).toBe(0);
    expect(running.output()).not.toMatch(/second signal/);
    expect(running.output()).toMatch(/\[dispatcher\].*"msg":"shutdown complete"/);
    for (const port of [sink, ingest, scheduler, dispatcher]) {
      await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
    }
  });

  it('says it is running at a log level that hides the services\' "listening" lines, and that the sink is refused with private destinations off', async () => {
    const running = await startFerry({ LOG_LEVEL: 'warn', FERRY_ALLOW_PRIVATE_DESTINATIONS: 'false' });
    expect(running.output()).not.toMatch(/"msg":"listening"/);
    expect(running.output()).toContain('FERRY_ALLOW_PRIVATE_DESTINATIONS is off, so the sink, on 127.0.0.1, is refused (422).');
    ctrlC(running);
    expect(await running.exited).toBe(0);
  });

  it('says it is running at a LOG_LEVEL given with stray spaces', async () => {
    const running = await startFerry({ LOG_LEVEL: ' warn ' });
    ctrlC(running);
    expect(await running.exited).toBe(0);
  });

  it('still stops the services gracefully once the reader of its output has gone', async () => {
    const running = await startFerry();
    const { sink, ingest } = running.ports;
    const messageId = await publish(ingest, `http://127.0.0.1:${sink}/slow/1500/reader-gone`);
    const received = async () => JSON.stringify(await (await fetch(`http://127.0.0.1:${sink}/_sink/requests`)).json());
    await waitFor(async () => (await received()).includes(messageId), { what: 'the request to reach the sink' });

    // As `npm start | tee log` when tee is stopped: the next line written meets a closed pipe.
    running.child.stdout!.destroy();
    ctrlC(running);
    // 0: every service, the dispatcher after its drain, stopped cleanly rather than being killed.
    expect(await running.exited).toBe(0);
  });

  it('stops cleanly on a Ctrl-C while the services are still starting', async () => {
    const [sink, ingest, scheduler, dispatcher] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(process.execPath, [START], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, SINK_PORT: String(sink), INGEST_PORT: String(ingest), SCHEDULER_PORT: String(scheduler), DISPATCHER_PORT: String(dispatcher) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    start = { child, ports: { sink, ingest, scheduler, dispatcher }, output: () => output, exited };
    // As soon as the first service says anything: the others are still coming up.
    await waitFor(() => output.includes('[sink]'), { what: 'the first service line' });
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
  });

  it('takes the one Ctrl-C that npm start passes on as well as one, and lets the drain finish', async () => {
    const running = await startFerry();
    const { sink, ingest } = running.ports;
    // The sink answers this one after 2 s: the dispatcher's drain waits for it.
    const messageId = await publish(ingest, `http://127.0.0.1:${sink}/slow/2000/start`);
    const received = async () => JSON.stringify(await (await fetch(`http://127.0.0.1:${sink}/_sink/requests`)).json());
    await waitFor(async () => (await received()).includes(messageId), { what: 'the request to reach the sink' });

    // Under `npm start` one Ctrl-C reaches the script twice: from the terminal, and passed on by
    // npm a moment later.
    ctrlC(running);
    await new Promise((resolve) => setTimeout(resolve, 100));
    ctrlC(running);
    expect(await running.exited).toBe(0);
    expect(running.output()).not.toMatch(/second signal/);
    expect(running.output()).toMatch(/\[dispatcher\].*"msg":"shutdown complete"/);
  });

  it('stops at once on a second Ctrl-C while the dispatcher waits on a request, and says the stop was not clean', async () => {
    const running = await startFerry();
    const { sink, ingest } = running.ports;
    // The sink never answers this one: the dispatcher's drain would wait for its timeout.
    await publish(ingest, `http://127.0.0.1:${sink}/hang/start`);
    const received = async () => JSON.stringify(await (await fetch(`http://127.0.0.1:${sink}/_sink/requests`)).json());
    await waitFor(async () => (await received()).includes('/hang/start'), { what: 'the request to reach the sink' });

    ctrlC(running);
    await waitFor(async () => /\[dispatcher\].*"msg":"shutting down"/.test(running.output()), { what: "the dispatcher's shutdown to begin" });
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // a second press, not the first one twice
    const second = Date.now();
    ctrlC(running);
    expect(await running.exited).toBe(1);
    expect(Date.now() - second).toBeLessThan(5_000);
    expect(running.output()).toMatch(/\[dispatcher\].*second signal/);
  });
});
