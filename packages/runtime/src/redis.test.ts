import { freePort } from '../../../test/support/free-port';
import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait';
import { createMemoryLogger } from './memory-logger';
import type { Logger } from './logger';
import { answersPing, checkRedis, createRedis, inOneWrite, reconnectDelayMs, waitForRedis, type Redis } from './redis';

describe('redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  const client = (url: string, options: { name: string; blocking?: boolean }, log = createMemoryLogger().log) => {
    const redis = createRedis(url, { ...options, log });
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    for (const redis of clients.splice(0)) await redis.quit();
  });
  afterAll(() => server.destroy());

  it('backs off from 50 ms doubling up to 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(reconnectDelayMs)).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  describe('while Redis is down, and after it comes back', () => {
    // One port for the whole story; the server that comes back last needs the same password.
    let port: number;
    let downUrl: string;
    const down: Redis[] = [];
    const flood = createMemoryLogger();
    const downClient = (name: string, options: { blocking?: boolean; log?: Logger } = {}) => {
      const redis = createRedis(downUrl, { name, log: createMemoryLogger().log, ...options });
      down.push(redis);
      return redis;
    };

    beforeAll(async () => {
      port = await freePort();
      downUrl = `redis://:hunter2@127.0.0.1:${port}`;
    });
    // Disconnecting a client that never connected leaves an ioredis timer running for 2 s, so every
    // client here is first brought back to a live server by the last test and closed after it.
    afterAll(() => {
      for (const redis of down) redis.disconnect();
    });

    it('fails commands fast instead of queueing them for ever', async () => {
      await expect(downClient('fast-fail').get('key')).rejects.toThrow(/max retries per request/i);
    });

    it('logs connection errors at most once per interval', async () => {
      const redis = downClient('flood', { log: flood.log });
      let errors = 0;
      redis.on('error', () => errors++);
      await waitFor(() => errors >= 4, { timeoutMs: 5_000, what: 'four connection errors' });
      const logged = flood.lines.filter((line) => line.msg === 'redis connection error');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ connection: 'flood', err: { code: 'ECONNREFUSED' } });
    });

    it('waitForRedis gives up after the timeout with the address and the reason, without the password', async () => {
      const startedAt = Date.now();
      const failure = waitForRedis(downClient('unreachable'), 300);
      await expect(failure).rejects.toThrow(`Redis at redis://127.0.0.1:${port} is not reachable: connect ECONNREFUSED`);
      await expect(failure).rejects.not.toThrow(/hunter2/);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    });

    it('waitForRedis also gives up for a blocking client, whose commands never fail on their own', async () => {
      const redis = downClient('blocking', { blocking: true });
      await expect(waitForRedis(redis, 300)).rejects.toThrow(`Redis at redis://127.0.0.1:${port} is not reachable`);
    });

    it('reconnects every client once Redis is back and logs the recovery', async () => {
      const back = await RedisServer.start({ port, args: ['--requirepass', 'hunter2'] });
      try {
        // Reconnect attempts are at most 2 s apart.
        await Promise.all(down.map((redis) => waitForRedis(redis, 5_000)));
        expect(flood.lines.filter((line) => line.msg === 'redis connection restored')).toHaveLength(1);
        expect(await down[0]?.set('key', 'value')).toBe('OK');
      } finally {
        for (const redis of down.splice(0)) await redis.quit();
        await back.destroy();
      }
    });
  });

  describe('createRedis', () => {
    it('connects with a ferry- connection name', async () => {
      const redis = client(server.url, { name: 'dispatcher' });
      await waitForRedis(redis, 5_000);
      expect(await redis.client('GETNAME')).toBe('ferry-dispatcher');
    });
  });

  describe('waitForRedis and the database in the URL', () => {
    it('uses the database the URL names', async () => {
      const redis = client(`${server.url}/3`, { name: 'db3' });
      await waitForRedis(redis, 5_000);
      await redis.set('in-db-3', '1');
      expect(/db=3/.exec(await redis.client('INFO'))).not.toBeNull();
    });

    it('fails at once, naming the database, when Redis has no such database', async () => {
      // ioredis alone would report the failed SELECT as an error event and carry on in database 0.
      const startedAt = Date.now();
      const failure = waitForRedis(client(`${server.url}/99`, { name: 'db99' }), 5_000);
      await expect(failure).rejects.toThrow(`Redis at ${server.url}/99 has no database 99: ERR DB index is out of range`);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    });
  });

  describe('inOneWrite', () => {
    const readsProcessed = async (redis: Redis) => Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))![1]);

    it('sends the commands issued inside it in one write, each still answered on its own', async () => {
      const redis = client(server.url, { name: 'one-write' });
      await redis.ping();
      const before = await readsProcessed(redis);
      const replies = await inOneWrite(redis, () => Promise.all([redis.set('k', '1'), redis.incr('k'), redis.get('k'), redis.ping('a'), redis.ping('b')]));
      // One read for the five commands, one for the INFO that counts.
      expect((await readsProcessed(redis)) - before).toBe(2);
      expect(replies).toEqual(['OK', 2, '2', 'a', 'b']);
    });

    it('writes each command at once again afterwards', async () => {
      const redis = client(server.url, { name: 'one-write-after' });
      await redis.ping();
      inOneWrite(redis, () => redis.ping());
      const before = await readsProcessed(redis);
      for (let i = 0; i < 3; i++) await redis.ping();
      expect((await readsProcessed(redis)) - before).toBe(4);
    });
  });

  describe('waitForRedis', () => {
    it('resolves once Redis answers PING', async () => {
      const redis = client(server.url, { name: 'waiter' });
      await expect(waitForRedis(redis, 5_000)).resolves.toBeUndefined();
      expect(await redis.ping()).toBe('PONG');
    });

    it('waits for a Redis that starts late', async () => {
      const port = await freePort();
      const redis = createRedis(`redis://127.0.0.1:${port}`, { name: 'late', log: createMemoryLogger().log });
      const waiting = waitForRedis(redis, 10_000);
      const late = await RedisServer.start({ port });
      try {
        await expect(waiting).resolves.toBeUndefined();
      } finally {
        // Before the server goes, or the client would start reconnecting to it.
        await redis.quit();
        await late.destroy();
      }
    });
  });

  describe('answersPing', () => {
    it('is true while Redis answers, and false within its timeout while Redis is stalled', async () => {
      const redis = client(server.url, { name: 'prober' });
      const pauser = client(server.url, { name: 'pauser' });
      await waitFor(() => redis.status === 'ready');
      expect(await answersPing(redis, 500)).toBe(true);
      await pauser.call('CLIENT', 'PAUSE', '700', 'ALL');
      const started = performance.now();
      expect(await answersPing(redis, 200)).toBe(false);
      expect(performance.now() - started).toBeLessThan(600);
      await pauser.call('CLIENT', 'UNPAUSE');
    });
  });

  describe('a Redis that stops answering', () => {
    it('fails a command after the command timeout, as an outage, and answers again after', async () => {
      const redis = createRedis(server.url, { name: 'stalled', log: createMemoryLogger().log, commandTimeoutMs: 300 });
      clients.push(redis);
      const pauser = client(server.url, { name: 'pauser' });
      await waitFor(() => redis.status === 'ready');
      await pauser.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = performance.now();
      await expect(redis.get('key')).rejects.toThrow('Command timed out');
      expect(performance.now() - started).toBeLessThan(1_000);
      await pauser.call('CLIENT', 'UNPAUSE');
      expect(await redis.get('key')).toBeNull();
    });
  });

  describe('checkRedis', () => {
    it('accepts the real server and reports its version, eviction policy and append-only file', async () => {
      const durable = await RedisServer.start({ appendfsync: 'always' });
      const { log, lines } = createMemoryLogger();
      const redis = createRedis(durable.url, { name: 'checker', log });
      try {
        const info = await checkRedis(redis, log);
        expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
        expect(info).toMatchObject({ maxmemoryPolicy: 'noeviction', appendonly: 'yes' });
        expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      } finally {
        await redis.quit();
        await durable.destroy();
      }
    });

    it('warns when Redis keeps no append-only file', async () => {
      const { log, lines } = createMemoryLogger();
      const redis = client(server.url, { name: 'checker' });
      await expect(checkRedis(redis, log)).resolves.toMatchObject({ appendonly: 'no' });
      expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual([expect.stringMatching(/no append-only file/)]);
    });

    it('warns when the eviction policy could drop queued messages', async () => {
      const { log, lines } = createMemoryLogger();
      const redis = client(server.url, { name: 'checker' });
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      try {
        await expect(checkRedis(redis, log)).resolves.toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
        expect(lines.find((line) => line.maxmemoryPolicy !== undefined)).toMatchObject({ level: 40, maxmemoryPolicy: 'allkeys-lru' });
      } finally {
        await redis.config('SET', 'maxmemory-policy', 'noeviction');
      }
    });

    it('tolerates a Redis with CONFIG disabled', async () => {
      const locked = await RedisServer.start({ args: ['--rename-command', 'CONFIG', ''] });
      const { log, lines } = createMemoryLogger();
      const redis = createRedis(locked.url, { name: 'checker', log });
      try {
        await expect(checkRedis(redis, log)).resolves.toMatchObject({ maxmemoryPolicy: undefined, appendonly: undefined });
        expect(lines.filter((line) => line.level === 20).map((line) => line.msg)).toEqual([expect.stringMatching(/maxmemory-policy/), expect.stringMatching(/appendonly/)]);
        expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      } finally {
        // Before the server goes, or the client would start reconnecting to it.
        await redis.quit();
        await locked.destroy();
      }
    });
  });
});
