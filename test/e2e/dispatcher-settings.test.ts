import { Stack } from '../support/stack';

/** Settings an operator gives the dispatcher, seen in what it does with a delivery. */
describe('dispatcher settings, end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      env: { FERRY_NON_RETRYABLE_STATUSES: '410', FERRY_RESPONSE_EXCERPT_BYTES: '5', FERRY_MAX_RETRY_AFTER: '1s' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('dead-letters at once on a status named non-retryable, keeping as much of the answer as asked', async () => {
    const [id] = await stack.publishAll([{ destination: stack.sinkUrl('/status/410'), retries: 5 }]);
    const [view] = await stack.waitForStates([id!], ['failed', 'delivered']);
    expect(view!.state).toBe('failed');
    expect(view!.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 410, responseExcerpt: 'statu' })]);
  });

  it('spends a retry on a Retry-After longer than FERRY_MAX_RETRY_AFTER instead of pausing for it', async () => {
    // With no retries left, a pause that spent none would leave it ready; a spent retry ends it.
    const [id] = await stack.publishAll([{ destination: stack.sinkUrl('/status/429?retryAfter=5'), retries: 0 }]);
    const [view] = await stack.waitForStates([id!], ['failed', 'delivered']);
    expect(view!.state).toBe('failed');
    expect(view!.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 429 })]);
  });
});
