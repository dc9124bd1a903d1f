import Redis from 'ioredis';
import { RedisServer, type RedisServerOptions } from './redis-server';

/**
 * One real redis-server per test file and a client on it, its keyspace emptied before each test.
 * The fields are filled in by the hooks, so read them inside tests and hooks, not at declaration.
 */
export function useRedis(options: RedisServerOptions = {}): { server: RedisServer; redis: Redis } {
  const ctx = {} as { server: RedisServer; redis: Redis };
  beforeAll(async () => {
    ctx.server = await RedisServer.start(options);
    ctx.redis = new Redis(ctx.server.url);
  });
  beforeEach(async () => {
    await ctx.redis.flushall();
  });
  afterAll(async () => {
    ctx.redis?.disconnect();
    await ctx.server?.destroy();
  });
  return ctx;
}
