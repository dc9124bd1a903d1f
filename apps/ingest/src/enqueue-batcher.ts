import type { Enqueued, EnqueueRequest, Store } from '@ferry/store';

interface Waiting {
  request: EnqueueRequest;
  resolve: (enqueued: Enqueued) => void;
  reject: (reason: unknown) => void;
}

/** Most publishes written with one enqueue call; a full batch is sent at once rather than at the turn's end. */
export const MAX_ENQUEUE_BATCH = 100;

/**
 * Group commit for single publishes: those that reach the enqueue within one event-loop turn go
 * to Redis together, one script call per shard, instead of one call each. Under load many
 * requests finish reading in the same turn, and each call saved is a script run in Redis and a
 * command's worth of client work. Each caller still gets its own outcome (a duplicate id or a
 * failed shard touches only its own messages), and only once Redis has answered: nothing is
 * acknowledged before it is stored.
 */
export class EnqueueBatcher {
  private waiting: Waiting[] = [];
  private flushScheduled = false;

  constructor(
    private readonly store: Pick<Store, 'enqueueMany'>,
    private readonly maxBatch = MAX_ENQUEUE_BATCH,
  ) {}

  enqueue(request: EnqueueRequest): Promise<Enqueued> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (this.waiting.length >= this.maxBatch) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate runs after the I/O callbacks of this turn, so requests read in it join the batch.
        setImmediate(this.flushAtTurnEnd);
      }
    });
  }

  private readonly flushAtTurnEnd = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.store.enqueueMany(batch.map(({ request }) => request)).then(
      (settled) => {
        settled.forEach((outcome, i) => {
          const { resolve, reject } = batch[i]!;
          if (outcome.status === 'fulfilled') resolve(outcome.value);
          else reject(outcome.reason);
        });
      },
      (err: unknown) => {
        for (const { reject } of batch) reject(err);
      },
    );
  }
}
