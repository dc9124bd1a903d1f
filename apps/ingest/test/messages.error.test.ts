import { connect } from 'node:net';
import { ErrorEnvelope } from '@ferry/contracts';
import { waitFor } from '../../../test/support/wait';
import { call, expectError, PUBLIC_IP, startIngest, storedCount, testLookup, useIngest } from './support/ingest-harness';

const MAX_BODY = 2_048;
const ingest = useIngest({ FERRY_MAX_BODY_BYTES: String(MAX_BODY), FERRY_MAX_DELAY: '1d' });

const DEST = 'https://hooks.example.test/in';
const publish = (body: unknown, headers?: Record<string, string>) => call(ingest.base, 'POST', '/v1/messages', body, headers);

describe('validation', () => {
  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['an unknown field', { destination: DEST, colour: 'red' }, []],
    ['a missing destination', { body: 'x' }, ['destination']],
    ['a destination that is no URL', { destination: 'hooks.example.test/in' }, ['destination']],
    ['an ftp:// destination', { destination: 'ftp://hooks.example.test/in' }, ['destination']],
    ['a javascript: destination', { destination: 'javascript:alert(1)' }, ['destination']],
    ['credentials in the URL', { destination: 'https://user:secret@hooks.example.test/in' }, ['destination']],
    ['a host of dots only', { destination: 'http://./' }, ['destination']],
    ['a host of two dots', { destination: 'http://../x' }, ['destination']],
    ['a bad duration', { destination: DEST, delay: 'soon' }, ['delay']],
    ['a fractional delay', { destination: DEST, delay: 1.5 }, ['delay']],
    ['a negative delay', { destination: DEST, delay: -1 }, ['delay']],
    ['a delay past FERRY_MAX_DELAY', { destination: DEST, delay: '2d' }, ['delay']],
    ['retries over the maximum', { destination: DEST, retries: 21 }, ['retries']],
    ['retries as a string', { destination: DEST, retries: '3' }, ['retries']],
    ['both delay and notBefore', { destination: DEST, delay: '1m', notBefore: Date.now() + 60_000 }, ['notBefore']],
    ['a notBefore past FERRY_MAX_DELAY', { destination: DEST, notBefore: Date.now() + 2 * 86_400_000 }, ['notBefore']],
    ['a notBefore that is no date', { destination: DEST, notBefore: 'tomorrow' }, ['notBefore']],
    ['a header named __proto__', { destination: DEST, headers: { ['__proto__']: 'x' } }, ['headers', '__proto__']],
    ['a header named __Proto__, stored in lower case', { destination: DEST, headers: { __Proto__: 'x' } }, ['headers', '__Proto__']],
    ['a GET with a body', { destination: DEST, method: 'GET', body: { a: 1 } }, ['body']],
    ['an unknown method', { destination: DEST, method: 'BREW' }, ['method']],
    ['a timeout over FERRY_DELIVERY_TIMEOUT_MS', { destination: DEST, timeout: '1m' }, ['timeout']],
    ['a timeout under 100 ms', { destination: DEST, timeout: 5 }, ['timeout']],
    ['the reserved header Ferry-Attempt', { destination: DEST, headers: { 'Ferry-Attempt': '1' } }, ['headers', 'Ferry-Attempt']],
    ['a Host header', { destination: DEST, headers: { Host: 'internal' } }, ['headers', 'Host']],
    ['a header given twice', { destination: DEST, headers: { 'x-a': '1', 'X-A': '2' } }, ['headers', 'X-A']],
    ['a header value with a newline', { destination: DEST, headers: { 'x-a': 'a\r\nx-b: 1' } }, ['headers', 'x-a']],
    ['a header with a number value', { destination: DEST, headers: { 'x-a': 1 } }, ['headers', 'x-a']],
    ['an ordering key with a |', { destination: DEST, orderingKey: 'a|b' }, ['orderingKey']],
    ['an ordering key over 128 characters', { destination: DEST, orderingKey: 'k'.repeat(129) }, ['orderingKey']],
    ['an empty ordering key', { destination: DEST, orderingKey: '' }, ['orderingKey']],
    ['an ordering key with a space', { destination: DEST, orderingKey: 'order 42' }, ['orderingKey']],
    ['an ordering key that is a number', { destination: DEST, orderingKey: 42 }, ['orderingKey']],
    ['a body nested too deeply', { destination: DEST, body: JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown }, ['body']],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_, message, path) => {
    const error = expectError(await publish(message), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]));
    expect(error.message).toMatch(/^Invalid request/);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a fractional notBefore', { notBefore: 1.5 }, 'notBefore', /epoch milliseconds/],
    ['a notBefore without an offset', { notBefore: '2030-01-31T09:00:00' }, 'notBefore', /with Z or an offset/],
    ['a delay that is neither number nor text', { delay: true }, 'delay', /whole milliseconds or a duration/],
    ['a header value past Latin-1', { headers: { 'X-Price': '10 €' } }, 'headers', /Latin-1/],
  ])('says what is wrong with %s', async (_, fields, field, said) => {
    const error = expectError(await publish({ destination: DEST, ...fields }), 400, 'VALIDATION_FAILED');
    expect(error.message).toContain(`${field}`);
    expect(error.message).toMatch(said);
  });

  it('refuses a top-level array or an empty body for one message, and a non-array for a batch', async () => {
    expectError(await publish([{ destination: DEST }]), 400, 'VALIDATION_FAILED');
    expect(expectError(await publish(''), 400, 'VALIDATION_FAILED').message).toBe('The request has no body; send the message as JSON');
    // A byte order mark alone is no body either, in any charset JSON may be sent in.
    for (const [bytes, charset] of [[[0xef, 0xbb, 0xbf], 'utf-8'], [[0xff, 0xfe], 'utf-16le'], [[], 'utf-16']] as const) {
      const answer = await publish(Buffer.from(bytes), { 'content-type': `application/json; charset=${charset}` });
      expect(expectError(answer, 400, 'VALIDATION_FAILED').message).toBe('The request has no body; send the message as JSON');
    }
    expect(expectError(await call(ingest.base, 'POST', '/v1/messages/batch', ''), 400, 'VALIDATION_FAILED').message).toBe(
      'The request has no body; send the messages as a JSON array',
    );
    expectError(await call(ingest.base, 'POST', '/v1/messages/batch', { destination: DEST }), 400, 'VALIDATION_FAILED');
    expectError(await call(ingest.base, 'POST', '/v1/messages/batch', []), 400, 'VALIDATION_FAILED');
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    expect(expectError(await publish('{"destination": '), 400, 'MALFORMED_JSON').message).toContain('not valid JSON');
    expectError(await publish('{"a":1}}'), 400, 'MALFORMED_JSON');
  });

  it.each([
    ['a bare string', '"https://hooks.example.test"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('refuses %s at the top level as valid JSON of the wrong shape, not as malformed', async (_, text) => {
    const error = expectError(await publish(text), 400, 'VALIDATION_FAILED');
    expect(error.message).toMatch(/expected object/i);
    expect(error.message).not.toMatch(/not valid JSON/);
  });

  it('refuses anything but JSON with 415', async () => {
    const body = JSON.stringify({ destination: DEST });
    expectError(await publish(body, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await publish(body, { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await publish(body, { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const bare = await fetch(`${ingest.base}/v1/messages`, { method: 'POST', body: new Uint8Array(Buffer.from(body)) });
    expectError({ status: bare.status, headers: bare.headers, body: await bare.json() }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect((await publish({ destination: DEST }, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(202);
  });

  it('refuses a message body over FERRY_MAX_BODY_BYTES with 413, measured as it will be sent', async () => {
    const before = await storedCount(ingest.store);
    const error = expectError(await publish({ destination: DEST, body: 'é'.repeat(MAX_BODY / 2 + 1) }), 413, 'PAYLOAD_TOO_LARGE');
    expect(error.details).toEqual([{ path: ['body'], message: expect.stringContaining(`${MAX_BODY + 2} bytes`) }]);
    expectError(await publish({ destination: DEST, body: { text: 'x'.repeat(MAX_BODY) } }), 413, 'PAYLOAD_TOO_LARGE');
    expect((await publish({ destination: DEST, body: 'x'.repeat(MAX_BODY) })).status).toBe(202);
    expect(await storedCount(ingest.store)).toBe(before + 1);
  });

  it('accepts a string body of FERRY_MAX_BODY_BYTES however much escaping inflated it on the wire', async () => {
    // A limit well above the parser's allowance for the rest of the message, so the escaping counts.
    const maxBody = 128 * 1024;
    const large = await startIngest(ingest.redisServer.url, { FERRY_MAX_BODY_BYTES: String(maxBody) }, { lookup: testLookup });
    try {
      for (const character of ['"', '\n', '\u0001', '\u{1F600}']) {
        const body = character.repeat(maxBody / Buffer.byteLength(character));
        const answer = await call(large.base, 'POST', '/v1/messages', { destination: DEST, body });
        expect(answer.status).toBe(202);
        const { messageId } = answer.body as { messageId: string };
        expect(Buffer.byteLength((await large.store.get(messageId))?.envelope.body ?? '')).toBe(maxBody);
      }
      const over = { destination: DEST, body: '\u0001'.repeat(maxBody + 1) };
      const error = expectError(await call(large.base, 'POST', '/v1/messages', over), 413, 'PAYLOAD_TOO_LARGE');
      expect(error.details).toEqual([{ path: ['body'], message: expect.stringContaining(`${maxBody + 1} bytes`) }]);
    } finally {
      await large.close();
    }
  });

  it('refuses a request body over the parser limit with 413 before parsing it', async () => {
    const huge = JSON.stringify({ destination: DEST, body: 'x'.repeat(6 * MAX_BODY + 70_000) });
    expect(expectError(await publish(huge), 413, 'PAYLOAD_TOO_LARGE').message).toContain('accepted here');
    expectError(await call(ingest.base, 'POST', '/v1/messages/batch', `[${huge}]`), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await publish(`{"destination":"${DEST}","body":"${'y'.repeat(MAX_BODY * 100)}`), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('names the index of an oversized message in a batch', async () => {
    const batch = [{ destination: DEST }, { destination: DEST, body: 'x'.repeat(MAX_BODY + 1) }];
    const error = expectError(await call(ingest.base, 'POST', '/v1/messages/batch', batch), 413, 'PAYLOAD_TOO_LARGE');
    expect(error.details).toEqual([{ path: [1, 'body'], message: expect.any(String) }]);
  });

  it('caps the details of a batch with many errors', async () => {
    const batch = Array.from({ length: 200 }, () => ({ destination: 'nope' }));
    const error = expectError(await call(ingest.base, 'POST', '/v1/messages/batch', batch), 400, 'VALIDATION_FAILED');
    expect(error.details).toHaveLength(50);
    expect(error.message).toContain('and 199 more');
  });
});

/** Writes `request` as raw bytes and reads the whole answer; the server closes the connection. */
async function rawExchange(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.end(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  return { status: Number(text.slice(9, 12)), headers: text.slice(0, split).toLowerCase(), body: text.slice(split + 4) };
}

/**
 * Writes `request` as raw bytes without ending the request side (its parts 200 ms apart, each
 * after the answers to what came before), and reads what comes back until the server closes the
 * connection, or has sent one whole response when `firstAnswer` is set (or `ms` pass).
 */
async function rawAnswerWithin(port: number, request: string | string[], ms: number, { firstAnswer = false } = {}): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const [first = '', ...rest] = typeof request === 'string' ? [request] : request;
  socket.write(first);
  const writing = rest.map((part, i) => setTimeout(() => socket.writable && socket.write(part), 200 * (i + 1)));
  let text = '';
  const answered = () => {
    const split = text.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(text.slice(0, split))?.[1];
    return split !== -1 && length !== undefined && Buffer.byteLength(text.slice(split + 4)) >= Number(length);
  };
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (firstAnswer && answered()) socket.destroy();
  });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  const timer = setTimeout(() => socket.destroy(), ms);
  socket.on('error', () => undefined);
  await closed;
  clearTimeout(timer);
  writing.forEach(clearTimeout);
  return text;
}

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['broken framing', 'GARBAGE\r\n\r\n', 400, 'VALIDATION_FAILED'],
    ['headers past the size limit', `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a CONNECT', 'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
    [
      'a broken chunked body',
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"des\r\nZZ\r\n',
      400,
      'VALIDATION_FAILED',
    ],
  ])('answers %s with the error envelope and its request id header, and logs it', async (_, request, status, code) => {
    const answer = await rawExchange(ingest.port, request);
    expect(answer.status).toBe(status);
    const parsed = ErrorEnvelope.parse(JSON.parse(answer.body));
    expect(parsed.error.code).toBe(code);
    expect(answer.headers).toContain(`x-request-id: ${parsed.error.requestId.toLowerCase()}`);
    expect(answer.headers).toContain('cache-control: no-store');
    expect(ingest.lines).toContainEqual(expect.objectContaining({ msg: 'request refused', requestId: parsed.error.requestId, code, status }));
  });

  it('logs a broken chunked body once, as refused, and not again when the body reading stops', async () => {
    const from = ingest.lines.length;
    const answer = await rawExchange(
      ingest.port,
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"des\r\nZZ\r\n',
    );
    expect(answer.status).toBe(400);
    await waitFor(() => ingest.lines.slice(from).some((line) => line.msg === 'request body cut short'), { what: 'the body reading to stop' });
    expect(ingest.lines.slice(from).filter((line) => line.msg === 'request refused')).toHaveLength(1);
  });

  it('logs and counts a body over the limit whose framing then breaks once, as the broken framing', async () => {
    const rejected = async () => (await ingest.service.registry.metrics()).match(/^ferry_publish_rejected_total\{.*$/gm);
    const countedBefore = await rejected();
    const from = ingest.lines.length;
    const big = 'a'.repeat(200_000);
    const head = 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const answer = await rawAnswerWithin(ingest.port, [head, `${big.length.toString(16)}\r\n${big}\r\n`, 'ZZ\r\n'], 5_000);
    expect(answer.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 400 ']);
    await waitFor(() => ingest.lines.slice(from).some((line) => line.msg === 'request body cut short'), { what: 'the body reading to stop' });
    expect(ingest.lines.slice(from).filter((line) => line.msg === 'request refused')).toEqual([
      expect.objectContaining({ code: 'VALIDATION_FAILED', reason: 'HPE_INVALID_CHUNK_SIZE' }),
    ]);
    expect(await rejected()).toEqual(countedBefore);
  });

  it('does not answer a request twice when its body breaks after its refusal: the connection closes instead', async () => {
    const head = 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n';
    const answer = await rawAnswerWithin(ingest.port, [head, '5\r\nhello\r\nZZ\r\n'], 5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 415 /);
    expect(answer.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });
});

describe('a publish still being answered', () => {
  // Each publish waits half a second on its destination's name.
  const slowLookup = async () => new Promise<{ address: string }[]>((resolve) => setTimeout(() => resolve([{ address: PUBLIC_IP }]), 500));
  let slow: Awaited<ReturnType<typeof startIngest>>;
  beforeAll(async () => {
    slow = await startIngest(ingest.redisServer.url, {}, { lookup: slowLookup });
  });
  afterAll(() => slow.close());

  it('gets its answer before the refusal of a request pipelined behind it, which then closes the connection', async () => {
    // A host of its own: its name's verdict is kept for a while, and the next test needs a slow one.
    const body = JSON.stringify({ destination: 'https://pipelined.example.test/in' });
    const publish = `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const answer = await rawAnswerWithin(slow.port, `${publish}GARBAGE\r\n\r\n`, 5_000);
    // Closing the connection at once would lose the 202 of a publish that was stored.
    expect(answer.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 202 ', 'HTTP/1.1 400 ']);
    expect(answer).toContain('"messageId"');
  });

  it('gets every answer of several publishes pipelined before a refused request, however long each takes', async () => {
    // The first publish's host is looked up already, so it is answered well before the second.
    expect((await call(slow.base, 'POST', '/v1/messages', { destination: 'https://warm.example.test/in' })).status).toBe(202);
    const request = (destination: string) => {
      const body = JSON.stringify({ destination });
      return `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    const answer = await rawAnswerWithin(slow.port, `${request('https://warm.example.test/in')}${request('https://cold.example.test/in')}GARBAGE\r\n\r\n`, 5_000);
    expect(answer.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 202 ', 'HTTP/1.1 202 ', 'HTTP/1.1 400 ']);
  });

  it('is timed as aborted, not as a 2xx, when its client leaves before the answer', async () => {
    await expect(fetch(`${slow.base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: DEST }),
      signal: AbortSignal.timeout(100),
    })).rejects.toThrow();
    const aborted = /ferry_http_request_duration_seconds_count\{[^}]*route="\/v1\/messages"[^}]*status_class="aborted"[^}]*\} 1/;
    await waitFor(async () => aborted.test(await slow.service.registry.metrics()), { what: 'the aborted publish to be timed' });
  });
});

describe('refusals made before the body is read', () => {
  it('answers a declared length over the limit at once, without waiting for the body', async () => {
    const started = Date.now();
    const answer = await rawAnswerWithin(
      ingest.port,
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"destination":',
      5_000,
      { firstAnswer: true },
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('PAYLOAD_TOO_LARGE');
  });

  it('cuts a body refused for its declared length a little after the answer, however much is still coming', async () => {
    const socket = connect(ingest.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Keeps sending for up to 8 s, as a sender of a 100 GB body would.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const sending = setInterval(() => socket.writable && socket.write(chunk), 10);
    const started = Date.now();
    const cutOff = setTimeout(() => socket.destroy(), 8_000);
    await closed;
    clearInterval(sending);
    clearTimeout(cutOff);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('takes an empty charset as none', async () => {
    const answer = await call(ingest.base, 'POST', '/v1/messages', JSON.stringify({ destination: DEST }), { 'content-type': 'application/json; charset=' });
    expect(answer.status).toBe(202);
  });

  it.each(['utf-7', 'iso-8859-1', 'utf8'])('refuses JSON in charset %s with 415', async (charset) => {
    const answer = await call(ingest.base, 'POST', '/v1/messages', JSON.stringify({ destination: DEST, body: { a: '+AGE-' } }), {
      'content-type': `application/json; charset=${charset}`,
    });
    expectError(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('takes a request with an Expect it does not know as if it had none', async () => {
    const body = JSON.stringify({ destination: DEST });
    const answer = await rawAnswerWithin(
      ingest.port,
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      5_000,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ messageId: expect.any(String) });
  });
});

describe('routing', () => {
  it('answers 404 NOT_FOUND for unknown paths, in and out of /v1', async () => {
    for (const path of ['/', '/nope', '/v1', '/v1/nope', '/v2/messages', '/v1/messages/a/b', '/v1/destinations/https://api.example.test']) {
      expectError(await call(ingest.base, 'GET', path), 404, 'NOT_FOUND');
    }
    expectError(await call(ingest.base, 'POST', '/v1/topics', {}), 404, 'NOT_FOUND');
  });

  it('says to URL-encode an origin given with its slashes', async () => {
    const error = expectError(await call(ingest.base, 'PUT', '/v1/destinations/https://api.example.test', { paused: true }), 404, 'NOT_FOUND');
    expect(error.message).toContain('URL-encode the origin');
  });

  it('answers 405 with Allow for a known path asked with the wrong method', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/v1/messages', 'POST'],
      ['PUT', '/v1/messages', 'POST'],
      ['GET', '/v1/messages/batch', 'POST'],
      ['DELETE', '/v1/messages/batch', 'POST'],
      ['POST', '/v1/messages/msg_0_abc', 'GET, HEAD, DELETE'],
      ['PATCH', '/v1/messages/msg_0_abc', 'GET, HEAD, DELETE'],
      ['POST', '/v1/destinations', 'GET, HEAD'],
      ['DELETE', '/v1/destinations/https%3A%2F%2Fapi.example.test', 'GET, HEAD, PUT'],
      ['POST', '/v1/destinations/https%3A%2F%2Fapi.example.test', 'GET, HEAD, PUT'],
      ['POST', '/livez', 'GET, HEAD'],
      ['DELETE', '/metrics', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await call(ingest.base, method, path);
      expectError(answer, 405, 'METHOD_NOT_ALLOWED');
      expect(answer.headers.get('allow')).toBe(allow);
    }
  });

  it('answers a path that is not valid percent-encoding with a 4xx envelope', async () => {
    const answer = await call(ingest.base, 'GET', '/v1/messages/%E0%A4%A');
    expect(answer.status).toBe(400);
    expectError(answer, 400, 'VALIDATION_FAILED');
  });
});

describe('refusals', () => {
  it('logs a client that leaves mid-body once, for its unfinished request, and does not count it as a refused publish', async () => {
    const rejected = async () => (await ingest.service.registry.metrics()).match(/^ferry_publish_rejected_total\{.*$/gm);
    const countedBefore = await rejected();
    const from = ingest.lines.length;
    const socket = connect(ingest.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"destination":');
    // Long enough for the body reading to begin on loopback.
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await waitFor(() => ingest.lines.slice(from).some((line) => line.msg === 'request body cut short'), { what: 'the body reading to stop' });
    expect(ingest.lines.slice(from).filter((line) => line.msg === 'request refused')).toEqual([
      expect.objectContaining({ reason: 'HPE_INVALID_EOF_STATE', status: 400 }),
    ]);
    expect(await rejected()).toEqual(countedBefore);
  });

  it('refuses bad requests without a 5xx or a failure in the log', async () => {
    const from = ingest.lines.length;
    const answers = [
      await publish({ body: 'x' }),
      await publish('{"destination": '),
      await publish(JSON.stringify({ destination: DEST }), { 'content-type': 'text/plain' }),
      await publish({ destination: DEST, body: 'x'.repeat(MAX_BODY + 1) }),
      await call(ingest.base, 'POST', '/v1/messages/batch', [{ destination: 'nope' }]),
      await call(ingest.base, 'GET', '/v1/nope'),
      await call(ingest.base, 'DELETE', '/v1/messages/batch'),
      await call(ingest.base, 'GET', '/v1/messages/%E0%A4%A'),
    ];
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    const logged = ingest.lines.slice(from);
    expect(logged.filter((line) => line.msg === 'request refused')).toHaveLength(answers.length);
    expect(logged.filter((line) => Number(line.status) >= 500 || line.msg === 'request failed' || line.level >= 50)).toEqual([]);
  });
});
