import { call, expectError, startIngest, storedCount, testLookup, type RunningIngest } from './support/ingest-harness';
import { RedisServer } from '../../../test/support/redis-server';

const TOKEN = 'test-token-0123456789abcdef';
let redisServer: RedisServer;
let guarded: RunningIngest;
let open: RunningIngest;

beforeAll(async () => {
  redisServer = await RedisServer.start();
  // The system resolver for both: `localhost` must be judged by what it really resolves to.
  guarded = await startIngest(redisServer.url, { FERRY_API_TOKEN: TOKEN });
  open = await startIngest(redisServer.url, { FERRY_ALLOW_PRIVATE_DESTINATIONS: 'true' });
});

afterAll(async () => {
  await guarded?.close();
  await open?.close();
  await redisServer?.destroy();
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('API token', () => {
  const message = { destination: 'http://93.184.215.14/hook' };

  it('refuses /v1 without the token or with a wrong one, before looking at the body', async () => {
    const before = await storedCount(guarded.store);
    const refusals = [
      await call(guarded.base, 'POST', '/v1/messages', message),
      await call(guarded.base, 'POST', '/v1/messages', message, { authorization: 'Bearer wrong' }),
      await call(guarded.base, 'POST', '/v1/messages', message, { authorization: `Bearer ${TOKEN}x` }),
      await call(guarded.base, 'POST', '/v1/messages', message, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }),
      await call(guarded.base, 'POST', '/v1/messages', message, { authorization: TOKEN }),
      await call(guarded.base, 'POST', '/v1/messages', 'not even json', { authorization: 'Bearer wrong' }),
      await call(guarded.base, 'POST', '/v1/messages/batch', [message]),
      await call(guarded.base, 'GET', '/v1/messages/msg_0_abcdefghijklm'),
      await call(guarded.base, 'DELETE', '/v1/messages/msg_0_abcdefghijklm'),
      await call(guarded.base, 'GET', '/v1/anything'),
    ];
    for (const answer of refusals) {
      expectError(answer, 401, 'UNAUTHORIZED');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(await storedCount(guarded.store)).toBe(before);
  });

  it('says how to send the token to a request that sends it another way, and that a wrong one is wrong', async () => {
    const basic = await call(guarded.base, 'POST', '/v1/messages', message, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` });
    expect(expectError(basic, 401, 'UNAUTHORIZED').message).toBe('Send the API token as Authorization: Bearer <token>');
    const wrong = await call(guarded.base, 'POST', '/v1/messages', message, { authorization: 'Bearer wrong' });
    expect(expectError(wrong, 401, 'UNAUTHORIZED').message).toBe('The API token is not valid');
  });

  it('accepts the right token', async () => {
    const answer = await call(guarded.base, 'POST', '/v1/messages', message, auth);
    expect(answer.status).toBe(202);
    const { messageId } = answer.body as { messageId: string };
    expect((await call(guarded.base, 'GET', `/v1/messages/${messageId}`, undefined, auth)).status).toBe(200);
    expect((await call(guarded.base, 'GET', `/v1/messages/${messageId}`, undefined, { authorization: `bearer  ${TOKEN}` })).status).toBe(200);
  });

  it('leaves probes and metrics open', async () => {
    for (const path of ['/livez', '/readyz', '/metrics']) expect((await call(guarded.base, 'GET', path)).status).toBe(200);
  });

  it('never writes the token to the log', () => {
    expect(JSON.stringify(guarded.lines)).not.toContain(TOKEN);
  });
});

describe('private destinations', () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://127.0.0.1:6379/',
    'http://10.0.0.1/hook',
    'http://172.20.1.1/',
    'http://192.168.1.10/',
    'http://100.64.0.1/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0:8080/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://224.0.0.1/',
    'http://localhost:8080/hook',
    'http://LOCALHOST/hook',
  ];

  it.each(refused)('refuses %s with 422 DESTINATION_NOT_ALLOWED', async (destination) => {
    const error = expectError(await call(guarded.base, 'POST', '/v1/messages', { destination }, auth), 422, 'DESTINATION_NOT_ALLOWED');
    expect(error.message).toMatch(/loopback|private|link-local|unspecified|multicast|reserved/);
    expect(error.details).toEqual([{ path: ['destination'], message: error.message }]);
  });

  it('refuses a host that does not resolve, saying so', async () => {
    const error = expectError(
      await call(guarded.base, 'POST', '/v1/messages', { destination: 'https://no-such-host.invalid/x' }, auth),
      422,
      'DESTINATION_NOT_ALLOWED',
    );
    expect(error.message).toContain('does not resolve');
  });

  it.each(refused)('accepts %s when FERRY_ALLOW_PRIVATE_DESTINATIONS is on', async (destination) => {
    expect((await call(open.base, 'POST', '/v1/messages', { destination })).status).toBe(202);
  });
});

describe('a host name resolving to a private address', () => {
  let rebinding: RunningIngest;

  beforeAll(async () => {
    rebinding = await startIngest(redisServer.url, {}, {
      lookup: async (host) =>
        host === 'mixed.example.test' ? [{ address: '93.184.215.14' }, { address: '10.0.0.7' }] : testLookup(host),
    });
  });
  afterAll(() => rebinding?.close());

  it('is refused when any of its addresses is private', async () => {
    const error = expectError(
      await call(rebinding.base, 'POST', '/v1/messages', { destination: 'https://mixed.example.test/' }),
      422,
      'DESTINATION_NOT_ALLOWED',
    );
    expect(error.message).toContain('10.0.0.7');
    expect((await call(rebinding.base, 'POST', '/v1/messages', { destination: 'https://fine.example.test/' })).status).toBe(202);
  });
});
