import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('answers what the promise answers when it settles in time', async () => {
    await expect(withTimeout(Promise.resolve('pong'), 1_000, () => new Error('late'))).resolves.toBe('pong');
    await expect(withTimeout(Promise.reject(new Error('refused')), 1_000, () => new Error('late'))).rejects.toThrow('refused');
  });

  it('rejects with the caller’s error once the time has passed', async () => {
    class Late extends Error {}
    const never = new Promise<never>(() => undefined);
    await expect(withTimeout(never, 20, () => new Late('no answer within 20 ms'))).rejects.toBeInstanceOf(Late);
  });

  it('clears its timer when the promise wins, leaving nothing to keep the process alive', async () => {
    jest.useFakeTimers();
    try {
      const answered = withTimeout(Promise.resolve(1), 60_000, () => new Error('late'));
      await expect(answered).resolves.toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
