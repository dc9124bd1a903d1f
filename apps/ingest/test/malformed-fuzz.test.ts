import net from 'node:net';
import { METHODS } from 'node:http';
import { ErrorEnvelope } from '@ferry/contracts';
import { call, useIngest } from './support/ingest-harness';
import { Prng } from './support/prng';

// Replay a failure with FUZZ_SEED=<seed printed in the failure>.
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f377);
const HTTP_CASES = 400;
const RAW_CASES = 40;

const ingest = useIngest();

interface Case {
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const VALID = { destination: 'https://hooks.example.test/fuzz', body: { ok: true } };
const JSON_TYPE = { 'content-type': 'application/json' };

/** Values of every JSON type, nested a little. */
function randomJson(rng: Prng, depth = 0): unknown {
  const kind = depth > 3 ? rng.int(0, 3) : rng.int(0, 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5) ? rng.int(-1e6, 1e6) : rng.next() * 1e300 * (rng.chance(0.5) ? -1 : 1);
    case 2:
      return rng.chance(0.5);
    case 3:
      return rng.unicode(rng.int(0, 40));
    case 4:
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(0, 5) }, () => [rng.pick(FIELDS), randomJson(rng, depth + 1)]));
  }
}

const FIELDS = ['destination', 'body', 'headers', 'method', 'delay', 'notBefore', 'retries', 'timeout', 'x', '__proto__', 'constructor', ''];

/** A field set to a value that is always wrong for it. */
const WRONG: Record<string, (rng: Prng) => unknown> = {
  destination: (rng) =>
    rng.pick([
      rng.int(0, 9),
      null,
      [],
      {},
      '',
      'ftp://hooks.example.test/x',
      'file:///etc/passwd',
      'gopher://hooks.example.test',
      `https://u:p@hooks.example.test/`,
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://169.254.169.254/',
      'http://10.0.0.1/',
      'https://nowhere.invalid/',
      `https://hooks.example.test/${'a'.repeat(3_000)}`,
      rng.unicode(20),
    ]),
  method: (rng) => rng.pick(['get', 'CONNECT', 'TRACE', '', 1, null, rng.text(8)]),
  delay: (rng) => rng.pick([-1, 1.5, '1y', '5 s', true, {}, Number.MAX_SAFE_INTEGER, '99999999d', rng.text(6)]),
  retries: (rng) => rng.pick([-1, 21, 2.5, '3', null, 1e300]),
  timeout: (rng) => rng.pick([0, 99, '1h', -5, 'forever', [], 1e12]),
  notBefore: (rng) => rng.pick([-1, 'yesterday', '2024-13-40T00:00:00Z', 9e15, 1.5, {}]),
  headers: (rng) =>
    rng.pick([[], 'x', { 'Ferry-Signature': 'x' }, { host: 'evil' }, { 'x-a': 'a\nb' }, { 'bad name': 'v' }, { 'x-n': 1 }, { 'x-big': 'v'.repeat(20_000) }]),
  // Deeper than the 100 levels a body may have (case 4 sends far deeper ones as raw text).
  body: (rng) => nest(rng.int(101, 1_000)),
  unknown: () => 'surprise',
};

function generate(rng: Prng, i: number): Case {
  const publishPath = rng.pick(['/v1/messages', '/v1/messages/batch']);
  switch (rng.int(0, 8)) {
    case 0:
      return { what: 'random bytes', method: 'POST', path: publishPath, headers: JSON_TYPE, body: rng.bytes(rng.int(1, 2_000)) };
    case 1: {
      const value = randomJson(rng);
      // A random object is wrapped so its top level is an object or array, as the parser demands.
      return { what: 'random JSON', method: 'POST', path: publishPath, headers: JSON_TYPE, body: JSON.stringify(rng.chance(0.5) ? [value] : { value }) };
    }
    case 2: {
      const field = rng.pick(Object.keys(WRONG));
      const message: Record<string, unknown> = { ...VALID, [field === 'unknown' ? rng.pick(['x', 'tenant', 'Destination']) : field]: WRONG[field]!(rng) };
      const body = publishPath.endsWith('batch') ? [VALID, message] : message;
      return { what: `wrong ${field}`, method: 'POST', path: publishPath, headers: JSON_TYPE, body: JSON.stringify(body) };
    }
    case 3:
      return {
        what: 'huge string',
        method: 'POST',
        path: '/v1/messages',
        headers: JSON_TYPE,
        body: JSON.stringify({ ...VALID, body: 'x'.repeat(rng.int(1_048_577, 1_300_000)) }),
      };
    case 4: {
      const depth = rng.int(1_000, 200_000);
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const body = rng.chance(0.5) ? nested : `{"destination":"${VALID.destination}","body":${nested}}`;
      return { what: `nesting ${depth}`, method: 'POST', path: publishPath, headers: JSON_TYPE, body };
    }
    case 5: {
      const methods = METHODS.filter((method) => !['CONNECT', 'TRACE', 'TRACK', 'HEAD'].includes(method));
      const pieces = ['/v1', '/messages', '/batch', '/msg_0_abcdefghijklm', '/%00', '/..', '/%2e%2e', '/%E0%A4%A', '/%', '//', '/livez', '/readyz', '/metrics', '/x'.repeat(rng.int(1, 300)), `/${rng.text(5).replace(/[?#%\s\\]/g, '')}`];
      let path = Array.from({ length: rng.int(1, 4) }, () => rng.pick(pieces)).join('');
      const method = rng.pick(methods);
      // The probes rightly answer GET with 200: keep those out of an all-4xx run.
      // (As fetch will send it: it resolves `/%2e%2e/` segments.)
      if (method === 'GET' && /^\/(livez|readyz|metrics)$/.test(new URL(`http://h${path}`).pathname)) path = `${path}/x`;
      return { what: 'random method and path', method, path, headers: {}, body: ['GET', 'HEAD'].includes(method) || rng.chance(0.5) ? undefined : rng.text(20) };
    }
    case 6:
      return {
        what: 'wrong content type',
        method: 'POST',
        path: publishPath,
        headers: { 'content-type': rng.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=nope', '*/*', 'application', ';;;']) },
        body: JSON.stringify(rng.chance(0.5) ? VALID : [VALID]),
      };
    case 7:
      return {
        what: 'bad content encoding',
        method: 'POST',
        path: publishPath,
        headers: { ...JSON_TYPE, 'content-encoding': rng.pick(['gzip', 'deflate', 'br', 'compress', 'x-unknown']) },
        body: rng.bytes(rng.int(1, 500)),
      };
    default:
      return {
        what: 'wrong type at the top',
        method: 'POST',
        path: publishPath,
        headers: { ...JSON_TYPE, 'x-request-id': rng.text(rng.int(0, 80)), authorization: `Bearer ${rng.text(10)}` },
        body: publishPath.endsWith('batch') ? JSON.stringify({ i, messages: [VALID] }) : JSON.stringify([VALID]),
      };
  }
}

function nest(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** What is wrong with an answer that should be a 4xx error envelope; undefined when it is one. */
function problem(status: number, contentType: string | null, requestId: string | null, text: string): string | undefined {
  if (status < 400 || status >= 500) return `status ${status}`;
  if (!contentType?.startsWith('application/json')) return `content type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 80)}`;
  }
  const envelope = ErrorEnvelope.safeParse(body);
  if (!envelope.success) return `not an error envelope: ${text.slice(0, 120)}`;
  if (envelope.data.error.requestId !== requestId) return 'request id differs from the X-Request-Id header';
  return undefined;
}

describe(`malformed requests (seed ${SEED})`, () => {
  it(`answers ${HTTP_CASES} of them with a 4xx error envelope, never a 5xx`, async () => {
    const rng = new Prng(SEED);
    const failures: string[] = [];
    for (let i = 0; i < HTTP_CASES; i++) {
      const request = generate(rng, i);
      const res = await fetch(`${ingest.base}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      const text = await res.text();
      const wrong = problem(res.status, res.headers.get('content-type'), res.headers.get('x-request-id'), text);
      if (wrong !== undefined) failures.push(`#${i} ${request.what} ${request.method} ${request.path.slice(0, 60)}: ${wrong}`);
    }
    expect(failures).toEqual([]);
  });

  it(`answers ${RAW_CASES} requests HTTP itself cannot parse with a 400 error envelope`, async () => {
    const rng = new Prng(SEED ^ 0xffff);
    const failures: string[] = [];
    for (let i = 0; i < RAW_CASES; i++) {
      const garbage = rng.pick([
        () => Buffer.from(rng.bytes(rng.int(1, 300))),
        () => Buffer.from(`${rng.pick(['BREW', 'G ET', 'get', '\x00'])} /v1/messages HTTP/1.1\r\nHost: x\r\n\r\n`),
        () => Buffer.from(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nBad Header: ${rng.text(5)}\r\n\r\n`),
        () => Buffer.from(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}`),
        () => Buffer.from(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${rng.text(10)}\r\n`),
        () => Buffer.from(`GET /v1/messages/x HTTP/9.9\r\n\r\n`),
      ])();
      const answer = await rawExchange(ingest.port, garbage);
      const [head = '', body = ''] = answer.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1] ?? null;
      const requestId = /\r\nx-request-id: ([^\r]+)/i.exec(head)?.[1] ?? null;
      const wrong = problem(status, contentType, requestId, body);
      if (wrong !== undefined) failures.push(`#${i} ${JSON.stringify(garbage.toString('latin1').slice(0, 40))}: ${wrong}`);
    }
    expect(failures).toEqual([]);
  });

  it('is still healthy afterwards and never logged an error', async () => {
    expect((await call(ingest.base, 'GET', '/livez')).status).toBe(200);
    expect((await call(ingest.base, 'GET', '/readyz')).status).toBe(200);
    const published = await call(ingest.base, 'POST', '/v1/messages', VALID);
    expect(published.status).toBe(202);
    const { messageId } = published.body as { messageId: string };
    expect(await call(ingest.base, 'GET', `/v1/messages/${messageId}`)).toMatchObject({ status: 200, body: { state: 'ready' } });
    expect(ingest.lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});

/** Writes bytes on a fresh connection, half-closes it and collects everything the server sends back. */
function rawExchange(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(data));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}
