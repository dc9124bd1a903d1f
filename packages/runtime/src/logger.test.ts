import Redis from 'ioredis';
import { RedisServer } from '../../../test/support/redis-server';
import { createMemoryLogger } from './memory-logger';
import { createRedis, waitForRedis } from './redis';

describe('createLogger', () => {
  it('writes JSON lines tagged with the service and an ISO timestamp', () => {
    const { log, lines } = createMemoryLogger({ service: 'dispatcher', level: 'info' });
    log.info({ messageId: 'msg_1' }, 'delivered');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'dispatcher', messageId: 'msg_1', msg: 'delivered', level: 30 });
    expect(lines[0]?.time).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/));
  });

  it('respects the level', () => {
    const { log, lines } = createMemoryLogger({ level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });

  it('serialises errors under err with message and stack', () => {
    const { log, lines } = createMemoryLogger();
    log.error({ err: Object.assign(new Error('boom'), { code: 'ECONNRESET' }) }, 'failed');
    expect(lines[0]?.err).toMatchObject({ type: 'Error', message: 'boom', code: 'ECONNRESET' });
    expect(lines[0]?.err).toHaveProperty('stack', expect.stringContaining('boom'));
  });

  describe('with the errors of Redis commands', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await RedisServer.start({ args: ['--requirepass', 'hunter2'] });
    });
    afterAll(() => server.destroy());

    it("keeps the command's name but not its arguments, which hold message bodies and headers", async () => {
      const redis = new Redis(server.url.replace('redis://', 'redis://:hunter2@'));
      try {
        const failure = redis.eval("return redis.error_reply('refused')", 0, '{"authorization":"Bearer CUSTOMER-SECRET"}');
        const err = await failure.then(() => undefined, (error: unknown) => error);
        expect(err).toHaveProperty('command.args', expect.arrayContaining([expect.stringContaining('CUSTOMER-SECRET')]));
        const { log, lines } = createMemoryLogger();
        log.error({ err }, 'publish failed');
        expect(JSON.stringify(lines[0])).not.toContain('CUSTOMER-SECRET');
        expect(lines[0]?.err).toMatchObject({ message: expect.stringContaining('refused'), command: { name: 'eval' } });
      } finally {
        redis.disconnect();
      }
    });

    it('drops the arguments of commands in nested errors too, leaving the errors themselves alone', () => {
      const command = Object.freeze({ name: 'evalsha', args: Object.freeze(['sha', 'SECRET-BODY']) });
      const inner = Object.assign(new Error('inner'), { command });
      const err = Object.assign(new Error('outer', { cause: inner }), { previousErrors: [inner] });
      const { log, lines } = createMemoryLogger();
      log.error({ err }, 'failed');
      expect(JSON.stringify(lines[0])).not.toContain('SECRET-BODY');
      expect(lines[0]?.err).toMatchObject({ previousErrors: [{ message: 'inner', command: { name: 'evalsha' } }] });
      expect(inner.command.args).toEqual(['sha', 'SECRET-BODY']);
    });

    it('logs a refused password without the password', async () => {
      const { log, lines } = createMemoryLogger();
      const redis = createRedis(server.url.replace('redis://', 'redis://:wrong-s3cret@'), { name: 'auth', log });
      try {
        await expect(waitForRedis(redis, 1_000)).rejects.toThrow();
        const logged = lines.filter((line) => line.msg === 'redis connection error');
        expect(logged.length).toBeGreaterThan(0);
        expect(JSON.stringify(logged)).not.toContain('wrong-s3cret');
        expect(logged[0]?.err).toMatchObject({ command: { name: 'auth' } });
      } finally {
        redis.disconnect();
      }
    });
  });

  it('redacts credentials', () => {
    const { log, lines } = createMemoryLogger();
    log.info(
      {
        authorization: 'Bearer a',
        headers: { authorization: 'Bearer b', accept: '*/*' },
        req: { headers: { authorization: 'Bearer c' } },
        destination: { url: 'https://example.com', authorization: 'Bearer d', token: 't1' },
        token: 't2',
        password: 'p1',
      },
      'request',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['Bearer', 't1', 't2', 'p1']) expect(line).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      authorization: '[redacted]',
      headers: { authorization: '[redacted]', accept: '*/*' },
      destination: { url: 'https://example.com', token: '[redacted]' },
    });
  });

  it('keeps the service binding on child loggers', () => {
    const { log, lines } = createMemoryLogger({ service: 'scheduler' });
    log.child({ module: 'reaper' }).info('tick');
    expect(lines[0]).toMatchObject({ service: 'scheduler', module: 'reaper' });
  });
});
