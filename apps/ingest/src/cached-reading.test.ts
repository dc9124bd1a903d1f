import { CachedReading } from './cached-reading';

/** A read whose answers the test hands out one by one, counting the calls. */
function controlledRead() {
  const pending: { resolve: (value: number) => void; reject: (err: Error) => void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { read, pending };
}

describe('CachedReading', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000;
  });

  it('shares one read between callers that find no value', async () => {
    const { read, pending } = controlledRead();
    const reading = new CachedReading(read, 100, now);
    const answers = Promise.all([reading.get(), reading.get(), reading.get()]);
    expect(pending).toHaveLength(1);
    pending[0]!.resolve(7);
    expect(await answers).toEqual([7, 7, 7]);
  });

  it('reuses a value for half its age, then refreshes in the background, then waits', async () => {
    const { read, pending } = controlledRead();
    const reading = new CachedReading(read, 100, now);
    const first = reading.get();
    pending[0]!.resolve(1);
    await first;

    clock += 49;
    expect(await reading.get()).toBe(1);
    expect(pending).toHaveLength(1);

    clock += 1;
    expect(await reading.get()).toBe(1);
    expect(await reading.get()).toBe(1);
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(2);
    await Promise.resolve();
    expect(await reading.get()).toBe(2);

    clock += 100;
    const waiting = reading.get();
    expect(pending).toHaveLength(3);
    pending[2]!.resolve(3);
    expect(await waiting).toBe(3);
  });

  it('applies changes made while a read is in flight to its answer', async () => {
    const { read, pending } = controlledRead();
    const reading = new CachedReading(read, 100, now);
    const first = reading.get();
    pending[0]!.resolve(10);
    await first;
    reading.adjust((value) => value + 1);
    expect(await reading.get()).toBe(11);

    clock += 60;
    expect(await reading.get()).toBe(11);
    reading.adjust((value) => value + 5);
    expect(await reading.get()).toBe(16);
    pending[1]!.resolve(12);
    clock += 1;
    await Promise.resolve();
    expect(await reading.get()).toBe(17);
  });

  it('reports a failed read to its waiters and reads again next time', async () => {
    const { read, pending } = controlledRead();
    const reading = new CachedReading(read, 100, now);
    const failing = reading.get();
    pending[0]!.reject(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    const retried = reading.get();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(4);
    expect(await retried).toBe(4);
  });
});
