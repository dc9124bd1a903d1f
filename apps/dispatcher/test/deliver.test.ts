import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClaimedDelivery } from '@ferry/store';
import { Agent } from 'undici';
import { isPublicAddress } from '@ferry/runtime';
import { deliver, loggableUrl } from '../src/deliver';
import { createDeliveryAgent } from '../src/http-agent';
import { RunningRequests } from '../src/running-requests';

/** Runs `attempt` with a registry whose deadlines are checked every 25 ms, as the dispatcher checks its own every 100 ms. */
async function withDeadlineChecks<T>(attempt: (running: RunningRequests) => Promise<T>): Promise<{ result: T; running: RunningRequests }> {
  const running = new RunningRequests();
  const check = setInterval(() => running.abortOverdue(performance.now()), 25);
  try {
    return { result: await attempt(running), running };
  } finally {
    clearInterval(check);
  }
}

describe('deliver', () => {
  let server: Server;
  let origin: string;
  const allowAll = () => true;
  const agent = createDeliveryAgent({ connectionsPerOrigin: 4, policy: allowAll });
  const guarded = createDeliveryAgent({ connectionsPerOrigin: 4, policy: isPublicAddress });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/hang') return;
        if (req.url === '/cut') {
          // A 200 whose body is cut off by the closed connection.
          req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n12345678');
          return;
        }
        if (req.url === '/hints') {
          // An interim answer, then nothing.
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
          return;
        }
        if (req.url === '/drip') {
          // Answers at once, then sends its body a byte at a time, never ending it.
          res.writeHead(200);
          const drip = setInterval(() => res.write('x'), 20);
          res.once('close', () => clearInterval(drip));
          return;
        }
        if (req.url === '/big') {
          res.end('x'.repeat(100_000));
        } else if (req.url === '/busy') {
          res.writeHead(429, { 'retry-after': '3' });
          res.end('slow down');
        } else {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ headers: req.headers, body: Buffer.concat(chunks).toString(), method: req.method }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await Promise.all([agent.close(), guarded.close(), new Promise((resolve) => server.close(resolve))]);
  });

  const delivery = (path: string, extra: Partial<ClaimedDelivery> = {}): ClaimedDelivery => ({
    id: 'msg_0_abcdefghijkl',
    shard: 0,
    attempt: 2,
    free: 0,
    dest: origin,
    tenant: 'default',
    url: `${origin}${path}`,
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'x-custom': 'yes' },
    body: Buffer.from('hello'),
    ...extra,
  });
  const options = { agent, policy: allowAll, timeoutMs: 1_000, excerptBytes: 1_024 };

  it('sends method, headers, body and the Ferry headers, and keeps an excerpt of the answer', async () => {
    const result = await deliver(delivery('/echo'), options);
    expect(result).toMatchObject({ kind: 'success', statusCode: 201 });
    const echoed = JSON.parse(result.responseExcerpt!);
    expect(echoed.method).toBe('POST');
    expect(echoed.body).toBe('hello');
    expect(echoed.headers).toMatchObject({
      'content-type': 'text/plain',
      'x-custom': 'yes',
      'ferry-message-id': 'msg_0_abcdefghijkl',
      'ferry-attempt': '2',
    });
  });

  it('cuts the excerpt at the limit', async () => {
    const result = await deliver(delivery('/big'), { ...options, excerptBytes: 10 });
    expect(result.responseExcerpt).toBe('x'.repeat(10));
  });

  it('reads Retry-After', async () => {
    const result = await deliver(delivery('/busy'), options);
    expect(result).toMatchObject({ kind: 'http_error', statusCode: 429, retryAfterMs: 3_000 });
  });

  it('gives up after the timeout', async () => {
    const result = await deliver(delivery('/hang'), { ...options, timeoutMs: 200 });
    expect(result.kind).toBe('timeout');
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
  });

  it('gives up running requests when told to, and any that start after', async () => {
    const running = new RunningRequests();
    const hanging = deliver(delivery('/hang'), { ...options, timeoutMs: 5_000, running });
    await new Promise((resolve) => setTimeout(resolve, 100));
    running.giveUpAll(new Error('dispatcher shutting down'));
    expect(await hanging).toMatchObject({ kind: 'network_error', error: 'dispatcher shutting down' });
    expect(running.givenUp).toBe(true);
    const late = await deliver(delivery('/echo'), { ...options, running });
    expect(late).toMatchObject({ kind: 'network_error', error: 'dispatcher shutting down' });
  });

  it('ends an attempt whose body is still arriving at its deadline, as answered with its status', async () => {
    const { result, running } = await withDeadlineChecks((running) => deliver(delivery('/drip'), { ...options, timeoutMs: 300, running }));
    expect(result).toMatchObject({ kind: 'success', statusCode: 200, responseExcerpt: expect.stringMatching(/^x+$/) });
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
    expect(result.durationMs).toBeLessThan(1_000);
    expect(running.size).toBe(0);
  });

  it('takes a 2xx whose body the connection cut off as the receiver\'s answer', async () => {
    const result = await deliver(delivery('/cut'), options);
    expect(result).toMatchObject({ kind: 'success', statusCode: 200, responseExcerpt: '12345678' });
  });

  it('does not take an interim 1xx answer for the receiver\'s answer', async () => {
    const { result } = await withDeadlineChecks((running) => deliver(delivery('/hints'), { ...options, timeoutMs: 300, running }));
    expect(result).toMatchObject({ kind: 'timeout' });
    expect(result.statusCode).toBeUndefined();
  });

  it('reports an attempt past its deadline before any answer as a timeout', async () => {
    const running = new RunningRequests();
    const hanging = deliver(delivery('/hang'), { ...options, timeoutMs: 5_000, running });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.abortOverdue(performance.now() + 5_000)).toBe(1);
    expect(await hanging).toMatchObject({ kind: 'timeout', error: 'no response within 5000 ms' });
  });

  describe('while the connection is still being made', () => {
    // A name lookup that never answers: the connection never comes, as with a host that drops SYNs.
    const stalled = new Agent({ connect: { lookup: () => undefined } });
    afterAll(() => stalled.destroy());
    const toStalled = () => delivery('/x', { url: 'http://stalled.example.test/x' });

    it('ends the attempt at its deadline, as a timeout', async () => {
      const { result, running } = await withDeadlineChecks((running) =>
        deliver(toStalled(), { ...options, agent: stalled, timeoutMs: 300, running }),
      );
      expect(result).toMatchObject({ kind: 'timeout', error: 'no response within 300 ms' });
      expect(result.durationMs).toBeLessThan(1_000);
      expect(running.size).toBe(0);
    });

    it('gives the attempt up at shutdown', async () => {
      const running = new RunningRequests();
      const connecting = deliver(toStalled(), { ...options, agent: stalled, timeoutMs: 5_000, running });
      await new Promise((resolve) => setTimeout(resolve, 50));
      running.giveUpAll(new Error('dispatcher shutting down'));
      expect(await connecting).toMatchObject({ kind: 'network_error', error: 'dispatcher shutting down' });
    });
  });

  it('reports a refused connection as a network error', async () => {
    const result = await deliver(delivery('/x', { url: 'http://127.0.0.1:1/x' }), options);
    expect(result).toMatchObject({ kind: 'network_error', error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('answers a failed attempt, never a rejection, when the client refuses the request outright', async () => {
    const closed = createDeliveryAgent({ connectionsPerOrigin: 1, policy: allowAll });
    await closed.close();
    const result = await deliver(delivery('/echo'), { ...options, agent: closed });
    expect(result).toMatchObject({ kind: 'network_error', error: expect.any(String) });
  });

  it('refuses private addresses unless allowed, checking the address connected to', async () => {
    const literal = await deliver(delivery('/echo'), { ...options, agent: guarded, policy: isPublicAddress });
    expect(literal).toMatchObject({ kind: 'refused' });
    const port = new URL(origin).port;
    const named = await deliver(delivery('/echo', { url: `http://localhost:${port}/echo` }), {
      ...options,
      agent: guarded,
      policy: isPublicAddress,
    });
    expect(named).toMatchObject({ kind: 'refused', error: expect.stringMatching(/localhost/) });
  });
});

describe('loggableUrl', () => {
  it('keeps origin and path and leaves out the query, which often carries tokens', () => {
    expect(loggableUrl('https://hooks.example.com/in/orders?token=s3cret&x=1')).toBe('https://hooks.example.com/in/orders');
    expect(loggableUrl('http://[::1]:8080/a?b')).toBe('http://[::1]:8080/a');
  });
});
