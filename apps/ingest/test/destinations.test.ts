import { DestinationList, DestinationStatus } from '@ferry/contracts';
import { call, expectError, startIngest, testLookup, useIngest, type Answer, type RunningIngest } from './support/ingest-harness';
import { waitFor } from '../../../test/support/wait';

const TOKEN = 'destinations-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const ingest = useIngest({ FERRY_API_TOKEN: TOKEN });

const pathOf = (origin: string) => `/v1/destinations/${encodeURIComponent(origin)}`;
const api = (method: string, path: string, body?: unknown, on: RunningIngest = ingest) => call(on.base, method, path, body, auth);
const publishTo = (destination: string, on: RunningIngest = ingest) => api('POST', '/v1/messages', { destination }, on);

function status(answer: Answer): DestinationStatus {
  expect(answer.status).toBe(200);
  return DestinationStatus.parse(answer.body);
}

describe('PUT and GET /v1/destinations/:origin', () => {
  const origin = 'https://api.example.test';

  it('sets the settings and shows them, under the normalised origin', async () => {
    const before = Date.now();
    const settings = { concurrency: 4, ratePerSecond: 2.5, burst: 10, class: 'payments' };
    const put = status(await api('PUT', pathOf('https://API.example.test:443'), settings));
    expect(put).toEqual({
      destination: origin,
      concurrency: 4,
      ratePerSecond: 2.5,
      burst: 10,
      paused: false,
      class: 'payments',
      inFlight: 0,
      backlog: 0,
      lastActivityAt: expect.any(String),
    });
    expect(Date.parse(put.lastActivityAt!)).toBeGreaterThanOrEqual(before - 1_000);
    // Express decodes the path segment, so a half-encoded origin names the same destination.
    expect(status(await api('GET', '/v1/destinations/https:%2F%2Fapi.example.test'))).toEqual(put);
    expect(status(await api('GET', pathOf(`${origin}/`)))).toEqual(put);
  });

  it('keeps fields left out, and puts a field given as null back to its default', async () => {
    const changed = status(await api('PUT', pathOf(origin), { ratePerSecond: null, class: null, burst: 3 }));
    expect(changed).toMatchObject({ concurrency: 4, burst: 3, paused: false });
    expect(changed).not.toHaveProperty('ratePerSecond');
    expect(changed).not.toHaveProperty('class');
    expect(status(await api('PUT', pathOf(origin), { concurrency: null, burst: null, ratePerSecond: 0.1 }))).toMatchObject({
      ratePerSecond: 0.1,
    });
    expect(status(await api('GET', pathOf(origin)))).not.toHaveProperty('concurrency');
  });

  it('pauses and resumes', async () => {
    expect(status(await api('PUT', pathOf(origin), { paused: true })).paused).toBe(true);
    expect(status(await api('GET', pathOf(origin))).paused).toBe(true);
    expect(status(await api('PUT', pathOf(origin), { paused: false })).paused).toBe(false);
    expect(status(await api('GET', pathOf(origin))).paused).toBe(false);
  });

  it('creates an entry from an empty body', async () => {
    const fresh = 'http://fresh.example.test:8080';
    expectError(await api('GET', pathOf(fresh)), 404, 'DESTINATION_NOT_FOUND');
    const created = status(await api('PUT', pathOf(fresh), {}));
    expect(created).toEqual({ destination: fresh, paused: false, inFlight: 0, backlog: 0, lastActivityAt: expect.any(String) });
    expect(status(await api('GET', pathOf(fresh)))).toEqual(created);
    // A JSON body with no bytes does the same as {}.
    const empty = 'http://empty.example.test:8080';
    expect(status(await call(ingest.base, 'PUT', pathOf(empty), '', { ...auth, 'content-type': 'application/json' })).destination).toBe(empty);
  });

  it('answers 404 DESTINATION_NOT_FOUND for an origin it has never seen', async () => {
    const error = expectError(await api('GET', pathOf('https://never.example.test')), 404, 'DESTINATION_NOT_FOUND');
    expect(error.message).toContain('https://never.example.test');
  });

  it.each<[string, unknown, (string | number)[]]>([
    ['an unknown field', { colour: 'red' }, []],
    ['concurrency 0', { concurrency: 0 }, ['concurrency']],
    ['a fractional concurrency', { concurrency: 1.5 }, ['concurrency']],
    ['concurrency over 100000', { concurrency: 100_001 }, ['concurrency']],
    ['a negative rate', { ratePerSecond: -1 }, ['ratePerSecond']],
    ['a zero rate', { ratePerSecond: 0 }, ['ratePerSecond']],
    ['a rate slower than one start a day', { ratePerSecond: 1e-6 }, ['ratePerSecond']],
    ['a rate as a string', { ratePerSecond: '5' }, ['ratePerSecond']],
    ['burst 0', { burst: 0 }, ['burst']],
    ['a class with spaces', { class: 'big spender' }, ['class']],
    ['a class in capitals', { class: 'Payments' }, ['class']],
    ['paused as a string', { paused: 'yes' }, ['paused']],
    ['paused as null', { paused: null }, ['paused']],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_, body, path) => {
    const error = expectError(await api('PUT', pathOf('https://api.example.test'), body), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ path })]);
  });

  it('refuses a body that is not a JSON object', async () => {
    expectError(await api('PUT', pathOf('https://api.example.test'), [{ paused: true }]), 400, 'VALIDATION_FAILED');
    expectError(await api('PUT', pathOf('https://api.example.test'), 'null'), 400, 'VALIDATION_FAILED');
    expectError(await api('PUT', pathOf('https://api.example.test'), 'paused=true'), 400, 'MALFORMED_JSON');
    const text = { ...auth, 'content-type': 'text/plain' };
    expectError(await call(ingest.base, 'PUT', pathOf('https://api.example.test'), 'paused=true', text), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    'https://api.example.test/hooks',
    'https://api.example.test/?a=1',
    'https://api.example.test/#top',
    'https://user:secret@api.example.test',
    'ftp://files.example.test',
    'api.example.test',
    'not a url',
  ])('refuses the origin %s with 400 VALIDATION_FAILED naming origin', async (origin) => {
    for (const answer of [await api('GET', pathOf(origin)), await api('PUT', pathOf(origin), {})]) {
      const error = expectError(answer, 400, 'VALIDATION_FAILED');
      expect(error.details).toEqual([{ path: ['origin'], message: expect.any(String) }]);
    }
  });
});

describe('the state of a destination', () => {
  it('shows deliveries in flight, the last error and a pause the destination asked for', async () => {
    const origin = 'https://busy.example.test';
    expect((await publishTo(`${origin}/hook`)).status).toBe(202);
    expect(status(await api('GET', pathOf(origin)))).toMatchObject({ inFlight: 0, backlog: 1 });

    const { store } = ingest;
    const { deliveries } = await store.claim(store.shardOfDestination(origin), { limit: 10, leaseMs: 60_000, defaultConcurrency: 10 });
    expect(deliveries.map((delivery) => delivery.dest)).toEqual([origin]);
    expect(status(await api('GET', pathOf(origin)))).toMatchObject({ inFlight: 1, backlog: 0 });

    const before = Date.now();
    await store.defer(deliveries[0]!, { startedAt: before, durationMs: 4, statusCode: 429 }, { waitMs: 60_000, summary: 'HTTP 429' });
    const shown = status(await api('GET', pathOf(origin)));
    expect(shown).toMatchObject({ inFlight: 0, backlog: 1, lastError: { message: 'HTTP 429', at: expect.any(String) } });
    expect(Date.parse(shown.pausedUntil!)).toBeGreaterThanOrEqual(before + 59_000);
    expect(Date.parse(shown.lastError!.at)).toBeGreaterThanOrEqual(before - 1_000);
  });
});

describe('GET /v1/destinations', () => {
  let own: RunningIngest;

  // An instance of its own (its own key prefix), so the list holds only what this test made.
  beforeAll(async () => {
    own = await startIngest(ingest.redisServer.url, { FERRY_API_TOKEN: TOKEN }, { lookup: testLookup });
  });
  afterAll(() => own?.close());

  async function list(query = ''): Promise<DestinationStatus[]> {
    const answer = await api('GET', `/v1/destinations${query}`, undefined, own);
    expect(answer.status).toBe(200);
    return DestinationList.parse(answer.body).destinations;
  }

  it('lists destinations most recently active first, with their backlog', async () => {
    expect(await list()).toEqual([]);
    for (const path of ['/a', '/b']) expect((await publishTo(`https://older.example.test${path}`, own)).status).toBe(202);
    // Activity is recorded to the millisecond; let the clock move on so the order is certain.
    const olderAt = Date.parse((await list())[0]!.lastActivityAt!);
    await waitFor(() => Date.now() > olderAt + 1, { what: 'the clock to move on' });
    expect((await publishTo('https://newer.example.test/', own)).status).toBe(202);

    const destinations = await list();
    expect(destinations.map(({ destination, backlog }) => ({ destination, backlog }))).toEqual([
      { destination: 'https://newer.example.test', backlog: 1 },
      { destination: 'https://older.example.test', backlog: 2 },
    ]);
    expect((await list('?limit=1')).map(({ destination }) => destination)).toEqual(['https://newer.example.test']);
  });

  it.each(['0', '1001', 'ten', '1.5', ''])('refuses limit=%s with 400 naming limit', async (limit) => {
    const error = expectError(await api('GET', `/v1/destinations?limit=${limit}`, undefined, own), 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ path: ['limit'] })]);
  });
});

describe('auth and metrics', () => {
  it('requires the API token on every destination route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/destinations'],
      ['GET', pathOf('https://api.example.test')],
      ['PUT', pathOf('https://api.example.test')],
    ] as const) {
      const answer = await call(ingest.base, method, path, method === 'PUT' ? { paused: true } : undefined);
      expectError(answer, 401, 'UNAUTHORIZED');
    }
    expect(status(await api('GET', pathOf('https://api.example.test'))).paused).toBe(false);
  });

  it('labels the routes by their pattern, never by the origin', async () => {
    const metrics = await (await fetch(`${ingest.base}/metrics`)).text();
    expect(metrics).toContain('route="/v1/destinations/:origin"');
    expect(metrics).toContain('route="/v1/destinations"');
    expect(metrics).not.toContain('example.test');
  });
});
