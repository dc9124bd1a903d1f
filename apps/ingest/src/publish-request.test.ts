import { ApiError, publishMessageSchema } from '@ferry/contracts';
import { toEnqueueRequest, type PublishPolicy } from './publish-request';

const policy: PublishPolicy = { defaultRetries: 5, maxBodyBytes: 100, maxDelayMs: 60_000 };
const schema = publishMessageSchema({ maxRetries: 20, maxDelayMs: 60_000, maxTimeoutMs: 15_000 });
const prepare = (message: unknown, at: (string | number)[] = [], now = 1_000_000) => toEnqueueRequest(schema.parse(message), policy, { at, now });

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('toEnqueueRequest', () => {
  it('fills in the defaults and nothing else', () => {
    expect(prepare({ destination: 'https://a.test/' })).toEqual({
      tenant: 'default',
      url: 'https://a.test/',
      method: 'POST',
      headers: {},
      maxAttempts: 6,
    });
  });

  it('maps every field', () => {
    expect(
      prepare({
        destination: 'https://a.test/',
        method: 'PUT',
        body: [1],
        headers: { 'X-A': 'b' },
        retries: 0,
        timeout: '2s',
        delay: '30s',
        orderingKey: 'order:42',
      }),
    ).toEqual({
      tenant: 'default',
      url: 'https://a.test/',
      method: 'PUT',
      headers: { 'x-a': 'b', 'content-type': 'application/json' },
      body: '[1]',
      maxAttempts: 1,
      timeoutMs: 2_000,
      delayMs: 30_000,
      orderingKey: 'order:42',
    });
    expect(prepare({ destination: 'https://a.test/', notBefore: 1_030_000 }).notBefore).toBe(1_030_000);
  });

  it('keeps a JSON null body as "null"', () => {
    expect(prepare({ destination: 'https://a.test/', body: null }).body).toBe('null');
  });

  it('measures the body in UTF-8 bytes as sent', () => {
    expect(prepare({ destination: 'https://a.test/', body: 'é'.repeat(50) }).body).toHaveLength(50);
    const err = refusal(() => prepare({ destination: 'https://a.test/', body: 'é'.repeat(51) }, [7]));
    expect([err.code, err.details]).toEqual(['PAYLOAD_TOO_LARGE', [{ path: [7, 'body'], message: 'is 102 bytes; at most 100 are accepted' }]]);
  });

  it('refuses a notBefore further away than the maximum delay', () => {
    const err = refusal(() => prepare({ destination: 'https://a.test/', notBefore: 1_060_001 }));
    expect([err.code, err.details]).toEqual(['VALIDATION_FAILED', [{ path: ['notBefore'], message: 'must be at most 60000 ms from now' }]]);
  });

  it('refuses a body nested deeper than 100 levels without overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const err = refusal(() => toEnqueueRequest({ destination: 'https://a.test/', body: deep }, { ...policy, maxBodyBytes: 10_000_000 }));
    expect(err.code).toBe('VALIDATION_FAILED');
  });
});
