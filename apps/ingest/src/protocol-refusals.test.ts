import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createMemoryLogger } from '@ferry/runtime';
import { protocolRefusals } from './protocol-refusals';

describe('protocol refusals', () => {
  const { log, lines } = createMemoryLogger({ service: 'ingest', level: 'info' });
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    // node's own time limits, short: a request must arrive whole within half a second.
    server = http.createServer({ headersTimeout: 400, requestTimeout: 500, connectionsCheckingInterval: 50 }, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const refusals = protocolRefusals(log);
    server.on('clientError', refusals.onClientError);
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `head`, then nothing more, and reads until the server closes the connection. */
  async function answerTo(head: string): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(head);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const timer = setTimeout(() => socket.destroy(), 5_000);
    await new Promise((resolve) => socket.once('close', resolve));
    clearTimeout(timer);
    return text;
  }

  it.each([
    ['whose body does not arrive in time', 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"destination":'],
    ['whose headers do not arrive in time', 'POST /v1/messages HTTP/1.1\r\nHost: x\r\n'],
  ])('answers a request %s with 408 REQUEST_TIMEOUT, and logs it', async (_, head) => {
    const from = lines.length;
    const answer = await answerTo(head);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('REQUEST_TIMEOUT');
    expect(lines.slice(from)).toEqual([
      expect.objectContaining({ msg: 'request refused', code: 'REQUEST_TIMEOUT', status: 408, reason: 'ERR_HTTP_REQUEST_TIMEOUT', requestId: body.error.requestId }),
    ]);
  });
});
