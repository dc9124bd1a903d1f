import { createMemoryLogger, createRedis } from '@ferry/runtime';
import { Store, StoreError, StoreErrorCode, type Enqueued, type EnqueueRequest } from '@ferry/store';
import { EnqueueBatcher } from '../src/enqueue-batcher';
import { useRedis } from '../../../test/support/use-redis';

const ctx = useRedis();
let store: Store;

const { log } = createMemoryLogger();
const storeOptions = { prefix: 'batcher', shards: 4, eventsMaxLen: 1_000, maxFreeAttempts: 3 };

beforeEach(async () => {
  store = new Store(ctx.redis, storeOptions);
  await store.ensureShardCount();
});

const message = (n: number, destination = 'https://hooks.example.test/in'): EnqueueRequest => ({
  tenant: 'default',
  url: destination,
  method: 'POST',
  headers: {},
  body: `message ${n}`,
  maxAttempts: 1,
});

/** The real store, with each enqueueMany call's size written down. */
function countingStore(calls: number[]): Pick<Store, 'enqueueMany'> {
  return {
    enqueueMany: (requests) => {
      calls.push(requests.length);
      return store.enqueueMany(requests);
    },
  };
}

async function isStored(id: string): Promise<boolean> {
  const view = await store.get(id);
  return view !== undefined;
}

describe('EnqueueBatcher', () => {
  it('writes the publishes of one event-loop turn with one enqueueMany call, each answered with its own id', async () => {
    const calls: number[] = [];
    const batcher = new EnqueueBatcher(countingStore(calls));
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => batcher.enqueue(message(n))));

    expect(calls).toEqual([20]);
    expect(new Set(results.map(({ id }) => id)).size).toBe(20);
    for (const [n, { id, state }] of results.entries()) {
      expect(state).toBe('ready');
      expect((await store.get(id))?.envelope.body).toBe(`message ${n}`);
    }
  });

  it('resolves a publish only once Redis holds it', async () => {
    const batcher = new EnqueueBatcher(store);
    const checks = Array.from({ length: 5 }, (_, n) => batcher.enqueue(message(n)).then(({ id }) => isStored(id)));
    expect(await Promise.all(checks)).toEqual([true, true, true, true, true]);
  });

  it('sends a full batch at once and the rest at the end of the turn', async () => {
    const calls: number[] = [];
    const batcher = new EnqueueBatcher(countingStore(calls), 8);
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => batcher.enqueue(message(n))));
    expect(calls).toEqual([8, 8, 4]);
    expect(results).toHaveLength(20);
  });

  it('sends publishes of later turns in calls of their own', async () => {
    const calls: number[] = [];
    const batcher = new EnqueueBatcher(countingStore(calls));
    await batcher.enqueue(message(1));
    await Promise.all([batcher.enqueue(message(2)), batcher.enqueue(message(3))]);
    expect(calls).toEqual([1, 2]);
  });

  it('fails only the publish Redis refused; the others of its batch are stored', async () => {
    const batcher = new EnqueueBatcher(store);
    const { id: taken } = await batcher.enqueue(message(0));
    const outcomes = await Promise.allSettled([
      batcher.enqueue(message(1)),
      batcher.enqueue({ ...message(2), id: taken }),
      batcher.enqueue(message(3, 'https://elsewhere.example.test/in')),
    ]);

    expect(outcomes.map(({ status }) => status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (outcomes[1] as PromiseRejectedResult).reason as unknown;
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).code).toBe(StoreErrorCode.DuplicateId);
    for (const outcome of [outcomes[0], outcomes[2]]) {
      expect(await isStored((outcome as PromiseFulfilledResult<Enqueued>).value.id)).toBe(true);
    }
  });

  it('rejects every publish of the batch when Redis cannot be reached', async () => {
    const closed = createRedis(ctx.server.url, { name: 'batcher-test-closed', log });
    const unreachable = new Store(closed, storeOptions);
    closed.disconnect();
    const batcher = new EnqueueBatcher(unreachable);
    const outcomes = await Promise.allSettled([batcher.enqueue(message(1)), batcher.enqueue(message(2))]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
  });
});
