import { createMemoryLogger } from './memory-logger';

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
