import { postJson } from '../support/http';
import { Stack } from '../support/stack';
import { waitFor } from '../support/wait';

describe('backpressure', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ dispatchers: 0, env: { FERRY_MAX_BACKLOG: '20' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 429 with Retry-After past the backlog limit, and recovers once it drains', async () => {
    const ids = await stack.publishAll(Array.from({ length: 20 }, (_, n) => ({ destination: stack.sinkUrl('/ok/bp'), body: { n } })));
    const refused = await postJson(`${stack.ingest.url}/v1/messages`, { destination: stack.sinkUrl('/ok/bp') });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.code).toBe('RATE_LIMITED');

    await stack.addDispatcher();
    await stack.waitForStates(ids, ['delivered']);
    await waitFor(
      async () => (await postJson(`${stack.ingest.url}/v1/messages`, { destination: stack.sinkUrl('/ok/bp') })).status === 202,
      { what: 'publishing to be accepted again' },
    );
  });
});
