import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Keys, shardOfMessageId } from '@ferry/store';
import { stacksStoppedAfterEach } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * Longer than ioredis's first few reconnect attempts together, each of which fails every command
 * waiting for the connection: the outcome of an attempt that ended meanwhile must be written
 * after that many failures, not given up on.
 */
const OUTAGE_MS = 18_000;
/** Longer than the outage: a delivery sent before it still holds its lease after it. */
const LEASE_MS = 40_000;

describe('Redis failing under a running stack', () => {
  const startStack = stacksStoppedAfterEach();

  it('keeps every service up through an outage, sends nothing twice, and goes on where it stopped', async () => {
    const s = await startStack({ redis: { appendfsync: 'always' }, env: { FERRY_LEASE_MS: String(LEASE_MS) } });
    const before = await s.publishAll(Array.from({ length: 300 }, (_, n) => ({ destination: s.sinkUrl('/slow/200/before'), body: { n } })));
    const [dueDuringOutage] = await s.publishAll([{ destination: s.sinkUrl('/ok/due'), body: {}, delay: 5_000 }]);
    // Stopped with deliveries in flight: their outcomes can only be written once Redis is back.
    await waitFor(async () => (await s.sinkRequests()).length >= 30, { what: 'first deliveries' });
    await s.redis.kill9();
    await sleep(OUTAGE_MS);
    await s.redis.start();

    // The ingest answers 503 until it has reconnected.
    const after = await waitFor(() => s.publishAll([{ destination: s.sinkUrl('/ok/after'), body: {} }]).catch(() => undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'the ingest to accept messages again',
    });
    const ids = [...before, dueDuringOutage!, ...after];
    await s.waitForStates(ids, ['delivered'], 60_000);

    const arrivals = new Map<string, number>();
    for (const request of await s.sinkRequests()) arrivals.set(request.messageId, (arrivals.get(request.messageId) ?? 0) + 1);
    expect(ids.filter((id) => arrivals.get(id) !== 1)).toEqual([]);
    expect(s.dispatchers[0]!.logsWith('could not record the outcome; the lease will expire')).toEqual([]);
    for (const service of [s.ingest, s.scheduler, ...s.dispatchers]) expect(service.isRunning).toBe(true);

    // The log says what failed without a line per retry (a loop retries a second after each
    // failure): at most one line per 5 s for each loop, and one line when it works again.
    const mostLinesPerLoop = Math.ceil(OUTAGE_MS / 5_000) + 1;
    const failedSteps = s.scheduler.logsWith('scheduler step failed; retrying');
    const loops = [...new Set(failedSteps.map((line) => line['loop']))];
    expect(loops).toContain('promote');
    for (const loop of loops) {
      expect(failedSteps.filter((line) => line['loop'] === loop).length).toBeLessThanOrEqual(mostLinesPerLoop);
      expect(s.scheduler.logsWith('scheduler step works again').filter((line) => line['loop'] === loop)).toHaveLength(1);
    }
    expect(s.dispatchers[0]!.logsWith('claiming failed; retrying shortly').length).toBeLessThanOrEqual(mostLinesPerLoop);
  }, 120_000);

  it('says so when a delivery vanished from Redis while it was sent, and goes on', async () => {
    const s = await startStack();
    const [lost] = await s.publishAll([{ destination: s.sinkUrl('/slow/1000/lost'), body: {} }]);
    await waitFor(async () => (await s.message(lost!)).state === 'in_flight', { what: 'the delivery to be sent' });
    // As a Redis that came back without its data would have it.
    const redis = new Redis(s.redis.url);
    try {
      await redis.hdel(new Keys('ferry').deliveries(shardOfMessageId(lost!, 4)!), lost!);
    } finally {
      redis.disconnect();
    }

    const dispatcher = s.dispatchers[0]!;
    await waitFor(() => dispatcher.logsWith('outcome not recorded: the delivery is no longer stored').length === 1, { what: 'the warning' });
    // The line says what was sent and what came back, as an attempt's line does.
    expect(dispatcher.logsWith('outcome not recorded: the delivery is no longer stored')).toEqual([
      expect.objectContaining({ messageId: lost, attempt: 1, status: 200, outcome: 'success', destination: expect.stringContaining('/slow/1000/lost') }),
    ]);
    expect(dispatcher.logsWith('could not record the outcome; the lease will expire')).toEqual([]);
    const [next] = await s.publishAll([{ destination: s.sinkUrl('/ok/next'), body: {} }]);
    await s.waitForStates([next!], ['delivered']);
  });
});
