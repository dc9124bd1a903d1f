import { postJson } from '../support/http';
import { ServiceProcess } from '../support/service-process';
import { stacksStoppedAfterEach, type Stack } from '../support/stack';
import { waitFor } from '../support/wait';
import { terminalEvents } from './terminal-states';

/**
 * Publishes one message at a time from `senders` concurrent senders until `stop` is set; answers
 * the ids of the messages that got a 202. Requests cut off by a crash are not counted.
 */
async function publishUntil(stack: Stack, senders: number, stop: { now: boolean }): Promise<string[]> {
  const accepted: string[] = [];
  const url = `${stack.ingest.url}/v1/messages`;
  await Promise.all(
    Array.from({ length: senders }, async (_, sender) => {
      for (let n = 0; !stop.now && n < 1_000; n++) {
        try {
          const { status, body } = await postJson(url, { destination: stack.sinkUrl('/ok/ingest-crash'), body: { sender, n } });
          if (status === 202) accepted.push(body.messageId);
        } catch {
          return; // the ingest is gone
        }
      }
    }),
  );
  return accepted;
}

describe('crashes of the ingest and the scheduler', () => {
  const startStack = stacksStoppedAfterEach();

  it('delivers every message that got its 202 when the ingest is killed mid-stream', async () => {
    const stack = await startStack();
    const stop = { now: false };
    const publishing = publishUntil(stack, 16, stop);
    await waitFor(async () => (await stack.sinkStats()).received >= 100, { what: 'the first deliveries' });
    await stack.ingest.kill9();
    stop.now = true;
    const accepted = await publishing;
    expect(accepted.length).toBeGreaterThanOrEqual(100);

    // A new ingest to read the messages back; nothing it does is needed for their delivery.
    stack.ingest = await ServiceProcess.start('ingest', stack.env);
    await stack.waitForStates(accepted, ['delivered'], 60_000);
    const received = new Set((await stack.sinkRequests()).map((r) => r.messageId));
    expect(accepted.filter((id) => !received.has(id))).toEqual([]);
    const terminal = await terminalEvents(stack.redis.url);
    expect(accepted.filter((id) => terminal.get(id)?.join() !== 'delivered')).toEqual([]);
  });

  it('holds delayed messages while the scheduler is dead and delivers them once it is back', async () => {
    const stack = await startStack();
    await stack.scheduler.kill9();
    const ids = await stack.publishAll(
      Array.from({ length: 50 }, (_, n) => ({ destination: stack.sinkUrl('/ok/scheduler-crash'), body: { n }, delay: 500 })),
    );
    // Well past their due time, nothing has promoted them.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(new Set((await Promise.all(ids.map((id) => stack.message(id)))).map((view) => view.state))).toEqual(new Set(['scheduled']));
    expect((await stack.sinkStats()).received).toBe(0);

    stack.scheduler = await ServiceProcess.start('scheduler', stack.env);
    await stack.waitForStates(ids, ['delivered'], 30_000);
    const received = (await stack.sinkRequests()).map((r) => r.messageId);
    expect(received.sort()).toEqual([...ids].sort());
  });
});
