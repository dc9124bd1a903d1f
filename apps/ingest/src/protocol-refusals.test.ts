import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createMemoryLogger } from '@ferry/runtime';
import { protocolRefusals } from './protocol-refusals';

describe('protocol refusals', () => {
  const { log, lines } = createMemoryLogger({ service: 'ingest', level: 'info' });
  let server: http.Server;
  let port: number;
  // Paths of the requests whose whole body arrived, as a handler that stores messages would see them.
  const completed: string[] = [];

  beforeAll(async () => {
    // node's own time limits, short: a request must arrive whole within half a second.
    server = http.createServer({ headersTimeout: 400, requestTimeout: 500, connectionsCheckingInterval: 50 }, (req, res) => {
      // `/early` is refused before its body is read, as the ingest refuses a wrong content type.
      if (req.url === '/early') {
        res.writeHead(415).end();
        return;
      }
      // `/stream` starts its answer at once and ends it when the body has come.
      if (req.url === '/stream') {
        res.writeHead(200).write('part');
        req.resume().on('end', () => res.end());
        return;
      }
      req.resume();
      req.on('end', () => {
        completed.push(req.url ?? '');
        // `/slow/<ms>` answers after that long; `/close` answers saying the connection ends.
        const slow = /^\/slow\/(\d+)$/.exec(req.url ?? '');
        const delay = slow ? Number(slow[1]) : req.url === '/close' ? 100 : 0;
        if (req.url === '/close') res.setHeader('Connection', 'close');
        setTimeout(() => res.end(`ok ${req.url}`), delay);
      });
    });
    const refusals = protocolRefusals(log);
    server.on('clientError', refusals.onClientError);
    server.on('connect', refusals.onConnect);
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Writes `parts` 700 ms apart and reads until the server closes the connection. */
  async function converse(parts: string[]): Promise<string> {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const timers = parts.map((part, i) => setTimeout(() => socket.writable && socket.write(part), 700 * i));
    const cutOff = setTimeout(() => socket.destroy(), 700 * parts.length + 4_000);
    await closed;
    [...timers, cutOff].forEach(clearTimeout);
    return text;
  }

  const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3} /g);
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

  it.each([
    ['whose body does not arrive in time', ['POST /late-body HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789', '0123456789']],
    ['whose headers do not arrive in time', ['POST /late-head HTTP/1.1\r\nHost: x\r\n', 'Content-Length: 2\r\n\r\nok']],
  ])('answers a request %s with 408 REQUEST_TIMEOUT, logs it, and does not run it when the rest comes', async (_, parts) => {
    const from = lines.length;
    const answer = await converse(parts);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 408 ']);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('REQUEST_TIMEOUT');
    expect(lines.slice(from)).toEqual([
      expect.objectContaining({ msg: 'request refused', code: 'REQUEST_TIMEOUT', status: 408, reason: 'ERR_HTTP_REQUEST_TIMEOUT', requestId: body.error.requestId }),
    ]);
    expect(completed).not.toContain('/late-body');
    expect(completed).not.toContain('/late-head');
  });

  it('does not answer a request again when it times out after its answer', async () => {
    const from = lines.length;
    const answer = await converse(['POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789', '0123456789']);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 415 ']);
    expect(lines.slice(from)).toEqual([]);
  });

  it('closes the connection at once, and says so, when a request times out behind an answer still pending', async () => {
    const from = lines.length;
    const answer = await converse([`${get('/slow/1500')}POST /late-behind HTTP/1.1\r\nHost: x\r\n`]);
    expect(answer).toBe('');
    expect(lines.slice(from)).toEqual([
      expect.objectContaining({ msg: 'connection closed: a request timed out while an answer was under way', reason: 'ERR_HTTP_REQUEST_TIMEOUT' }),
    ]);
  });

  it('says so when a request times out while its own answer is under way', async () => {
    const from = lines.length;
    const answer = await converse(['POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789']);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 ']);
    expect(lines.slice(from)).toEqual([
      expect.objectContaining({ msg: 'connection closed: a request timed out while an answer was under way', reason: 'ERR_HTTP_REQUEST_TIMEOUT' }),
    ]);
  });

  it('answers every request pipelined before broken framing, in order, then refuses it', async () => {
    const answer = await converse([`${get('/slow/50')}${get('/slow/300')}GARBAGE\r\n\r\n`]);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 200 ', 'HTTP/1.1 400 ']);
    expect(answer.indexOf('ok /slow/50')).toBeLessThan(answer.indexOf('ok /slow/300'));
  });

  it('answers a request pipelined before a CONNECT, then refuses the CONNECT', async () => {
    const answer = await converse([`${get('/slow/300')}CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n`]);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 405 ']);
  });

  it('neither answers nor logs a refusal after an answer that closes the connection', async () => {
    const from = lines.length;
    const answer = await converse([`${get('/close')}GARBAGE\r\n\r\n`]);
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 ']);
    expect(lines.slice(from).filter((line) => line.msg === 'request refused')).toEqual([]);
  });

  it('survives CONNECT clients that reset the connection while refused', async () => {
    for (let i = 0; i < 50; i++) {
      const socket: Socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n');
      process.nextTick(() => socket.resetAndDestroy());
      await new Promise((resolve) => socket.once('close', resolve));
    }
    expect(statusLines(await converse([get('/after')]))).toEqual(['HTTP/1.1 200 ']);
  });
});
