import { connect } from 'node:net';
import { createMemoryLogger, createRedis, Redis } from '@ferry/runtime';
import { loadConfig } from '../src/config';
import { IngestService } from '../src/ingest-service';
import { call, startIngest, testLookup } from './support/ingest-harness';
import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait';

let redisServer: RedisServer;

beforeAll(async () => {
  redisServer = await RedisServer.start();
});

afterAll(() => redisServer?.destroy());

describe('IngestService', () => {
  it('stop() closes the listener at once, answers the request in flight, then resolves', async () => {
    let release!: () => void;
    const dnsAnswer = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    const ingest = await startIngest(redisServer.url, {}, {
      lookup: async (host) => {
        if (host === 'slow.example.test') {
          asked = true;
          await dnsAnswer;
        }
        return testLookup(host);
      },
    });
    try {
      const inFlight = call(ingest.base, 'POST', '/v1/messages', { destination: 'https://slow.example.test/' });
      await waitFor(() => asked, { what: 'the publish to be waiting on DNS' });

      let stopped = false;
      const stopping = ingest.service.stop().then(() => (stopped = true));
      await expect(fetch(`${ingest.base}/livez`)).rejects.toThrow();
      expect(stopped).toBe(false);

      release();
      const answer = await inFlight;
      expect(answer.status).toBe(202);
      expect(answer.headers.get('connection')).toBe('close');
      await stopping;
      const { messageId } = answer.body as { messageId: string };
      expect((await ingest.store.get(messageId))?.record.state).toBe('ready');
    } finally {
      release();
      await ingest.close();
    }
  });

  it('stop() cuts, at its drain timeout, a connection whose CONNECT waits behind a publish', async () => {
    let release!: () => void;
    const dnsAnswer = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    const ingest = await startIngest(redisServer.url, {}, {
      drainTimeoutMs: 300,
      lookup: async (host) => {
        asked = true;
        await dnsAnswer;
        return testLookup(host);
      },
    });
    const socket = connect(ingest.port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      const body = JSON.stringify({ destination: 'https://held.example.test/' });
      socket.write(
        `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
          'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n',
      );
      await waitFor(() => asked, { what: 'the publish to be waiting on DNS' });
      // node no longer counts a connection as its own once it has read a CONNECT on it.
      const stopped = await Promise.race([ingest.service.stop().then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 5_000))]);
      expect(stopped).toBe(true);
    } finally {
      release();
      socket.destroy();
      await ingest.close();
    }
  });

  it('refuses to start against a keyspace made with another shard count, naming the variable', async () => {
    const first = await startIngest(redisServer.url, { FERRY_KEY_PREFIX: 'shardcheck', FERRY_SHARDS: '4' });
    await first.close();

    const { log } = createMemoryLogger();
    const config = loadConfig({ REDIS_URL: redisServer.url, PORT: '0', FERRY_KEY_PREFIX: 'shardcheck', FERRY_SHARDS: '8' });
    const redis = createRedis(config.redisUrl, { name: 'ingest-test', log });
    try {
      await expect(new IngestService({ config, redis, log, host: '127.0.0.1' }).start()).rejects.toThrow(/FERRY_SHARDS is 8 .* use 4/);
    } finally {
      redis.disconnect();
    }
  });

  it('fails to start with a clear reason when Redis cannot be reached', async () => {
    const { log } = createMemoryLogger();
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' });
    // No reconnecting: a client left reconnecting would keep timers alive after the test.
    const redis = new Redis(config.redisUrl, { retryStrategy: () => null });
    const service = new IngestService({ config, redis, log, host: '127.0.0.1', redisWaitMs: 300 });
    try {
      await expect(service.start()).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:1 is not reachable: .*ECONNREFUSED/);
      expect(redis.status).toBe('end');
    } finally {
      // Disconnecting an ended client would leave ioredis's 2 s close timer behind.
      if (redis.status !== 'end') redis.disconnect();
    }
  });
});
