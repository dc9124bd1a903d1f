import http from 'node:http';
import net from 'node:net';
import { waitFor } from '../../../test/support/wait';
import type { SinkRecord } from './record-store';
import { createSink, type Sink } from './sink-server';
import type { SinkStatsView } from './sink-stats';

let sink: Sink;
let base: string;

beforeEach(async () => {
  sink = createSink({ maxRecords: 1000 });
  base = `http://127.0.0.1:${await sink.listen(0, '127.0.0.1')}`;
});

afterEach(() => sink.close());

const post = (path: string, headers: Record<string, string> = {}, body = '{}') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

const records = async (query = ''): Promise<SinkRecord[]> =>
  (await fetch(`${base}/_sink/requests${query}`)).json() as Promise<SinkRecord[]>;

const stats = async (): Promise<SinkStatsView> => (await fetch(`${base}/_sink/stats`)).json() as Promise<SinkStatsView>;

describe('modes', () => {
  it('answers 200 ok on /ok/ and on paths that name no mode', async () => {
    for (const path of ['/ok/orders', '/', '/webhooks/x?y=1']) {
      const res = await post(path);
      // A plain length rather than chunks: a sender's client parses the least it can.
      expect([res.status, res.headers.get('content-length'), await res.text()]).toEqual([200, '2', 'ok']);
    }
  });

  it('answers /status/<code>, with Retry-After when asked', async () => {
    const res = await post('/status/429?retryAfter=7');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    const plain = await post('/status/503');
    expect([plain.status, plain.headers.get('retry-after')]).toEqual([503, null]);
    expect((await post('/status/204')).status).toBe(204);
  });

  it('refuses a malformed mode or Retry-After with 400 and keeps serving', async () => {
    expect((await post('/status/abc')).status).toBe(400);
    expect((await post('/slow/forever')).status).toBe(400);
    expect((await post('/status/503?retryAfter=%0D%0Ax-evil:%201')).status).toBe(400);
    expect((await post('/ok')).status).toBe(200);
  });

  it('fails the first n attempts of each message on /flaky/<n>/', async () => {
    const statuses = async (id: string, times: number) => {
      const out: number[] = [];
      for (let i = 0; i < times; i++) out.push((await post('/flaky/2/x', { 'ferry-message-id': id })).status);
      return out;
    };
    expect(await statuses('m1', 4)).toEqual([500, 500, 200, 200]);
    expect(await statuses('m2', 1)).toEqual([500]);
  });

  it('counts flaky attempts per path when there is no message id', async () => {
    const a = [(await post('/flaky/1/a')).status, (await post('/flaky/1/a')).status];
    const b = (await post('/flaky/1/b')).status;
    expect([...a, b]).toEqual([500, 200, 500]);
  });

  it('fails flaky requests with the status and Retry-After asked for, per path with scope=path', async () => {
    const first = await post('/flaky/1/busy?status=429&retryAfter=2&scope=path', { 'ferry-message-id': 'q1' });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    // Another message on the same path: the destination's one failure is spent.
    expect((await post('/flaky/1/busy?status=429&retryAfter=2&scope=path', { 'ferry-message-id': 'q2' })).status).toBe(200);
    expect((await post('/flaky/1/x?status=200')).status).toBe(400);
  });

  it('fails only first attempts on /random-fail/<percent>/', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/random-fail/100/fifo', { 'ferry-message-id': 'r1' })).status);
    expect(statuses).toEqual([500, 200, 200]);
    expect((await post('/random-fail/0/fifo', { 'ferry-message-id': 'r2' })).status).toBe(200);
  });

  it('waits on /slow/<ms>/ before answering', async () => {
    const started = Date.now();
    const res = await post('/slow/150/x');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('never answers /hang/, counts it in flight, and lets go when the client gives up', async () => {
    const hanging = post('/hang/x', { 'ferry-message-id': 'h1' }).catch(() => 'gave up');
    await waitFor(async () => (await stats()).inFlight === 1, { what: 'the hang request to be in flight' });
    expect((await records('?messageId=h1'))[0]?.status).toBeNull();
    sink.clear();
    expect((await stats()).maxInFlight).toBe(1);
    const aborted = await fetch(`${base}/hang/y`, { signal: AbortSignal.timeout(100) }).catch((err: Error) => err.name);
    expect(aborted).toBe('TimeoutError');
    await waitFor(async () => (await stats()).inFlight === 1, { what: 'the aborted request to leave' });
    await sink.close();
    expect(await hanging).toBe('gave up');
  });

  it('answers /drip/<ms>/ with 200 at once and a body that keeps coming, until the client gives up', async () => {
    const res = await post('/drip/20/x', { 'ferry-message-id': 'd1' });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = 0;
    while (received < 5) received += (await reader.read()).value?.length ?? 0;
    expect((await records('?messageId=d1'))[0]?.status).toBe(200);
    expect((await stats()).inFlight).toBe(1);
    await reader.cancel();
    await waitFor(async () => (await stats()).inFlight === 0, { what: 'the dripping request to leave' });
  });

  it('tracks the in-flight high-water mark', async () => {
    await Promise.all([1, 2, 3, 4, 5].map((i) => post(`/slow/100/${i}`)));
    await post('/ok');
    expect(await stats()).toEqual({ received: 6, inFlight: 0, maxInFlight: 5, byStatus: { '200': 6 } });
  });
});

describe('recording', () => {
  it('records each request with its Ferry headers and the status it got', async () => {
    const before = process.hrtime.bigint();
    await post('/flaky/1/orders?x=1', { 'Ferry-Message-Id': 'msg_1', 'Ferry-Attempt': '1', 'X-Custom': 'A' }, '{"a":1}');
    const [record] = await records();
    expect(record).toMatchObject({
      seq: 1,
      method: 'POST',
      path: '/flaky/1/orders?x=1',
      body: '{"a":1}',
      bodyBytes: 7,
      messageId: 'msg_1',
      attempt: 1,
      status: 500,
    });
    expect(record?.headers).toMatchObject({ 'ferry-message-id': 'msg_1', 'x-custom': 'A' });
    expect(BigInt(record?.atNs ?? '0')).toBeGreaterThan(before);
    expect(Math.abs((record?.at ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(Math.abs((record?.atUs ?? 0) / 1000 - (record?.at ?? 0))).toBeLessThan(50);
  });

  it('leaves messageId and attempt null when the headers are absent or not numbers', async () => {
    await post('/ok', { 'ferry-attempt': 'first' });
    expect(await records()).toMatchObject([{ messageId: null, attempt: null }]);
  });

  it('keeps the first 64 KiB of a large body and its full length', async () => {
    await post('/ok', {}, 'x'.repeat(100 * 1024));
    const [record] = await records();
    expect([record?.body.length, record?.bodyBytes]).toEqual([64 * 1024, 100 * 1024]);
  });

  it('reads bodies fully so keep-alive connections are reused', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = http.request(`${base}/status/500`, { method: 'POST', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end('y'.repeat(200_000));
      });
    expect(await send()).toEqual({ status: 500, reused: false });
    expect(await send()).toEqual({ status: 500, reused: true });
    agent.destroy();
  });

  it('survives garbage and a body cut short', async () => {
    const port = new URL(base).port;
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      // Read the 400 so the socket sees the server's end and closes.
      socket.resume();
      socket.on('close', () => resolve()).on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little');
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve()).on('error', () => resolve());
    });
    await waitFor(async () => (await stats()).inFlight === 0, { what: 'the cut request to leave' });
    expect((await post('/ok')).status).toBe(200);
    // Only requests read whole are counted and numbered, so the n-th counted is record seq n.
    expect((await stats()).received).toBe(1);
    expect((await records()).map((r) => [r.seq, r.path])).toEqual([[1, '/ok']]);
  });

  it('frames answers that may carry no body without one, so the connection stays in step', async () => {
    const port = Number(new URL(base).port);
    const raw = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = net.connect(port, '127.0.0.1', () => {
        for (const path of ['/status/204', '/status/205', '/status/304']) socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text)).on('error', reject);
    });
    const parts = raw.split('\r\n\r\n');
    // Each answer's headers are followed at once by the next answer's status line.
    expect(parts.map((part) => part.split('\r\n')[0])).toEqual(['HTTP/1.1 204 No Content', 'HTTP/1.1 205 Reset Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200 OK', 'ok']);
    expect(parts[0]).not.toMatch(/content-length/i);
    expect(parts[1]).toMatch(/\r\ncontent-length: 0(\r\n|$)/i);
    expect(parts[2]).not.toMatch(/content-length/i);
  });
});
