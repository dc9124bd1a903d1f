import { Worker, type Job } from 'bullmq';
import { Agent, request } from 'undici';
import { announce, exitWithParent, failed, intEnv, redisConnection } from './baseline-env';
import { QUEUE_NAME, type MessageJobData } from './bullmq-queue';

// Ferry's dispatcher default; the per-message timeout of a delivery.
const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * What a team would build instead of Ferry's dispatcher: a BullMQ Worker that POSTs each job's
 * body to its destination with undici over keep-alive connections, as many at once as Ferry's
 * dispatcher (BENCH_CONCURRENCY). The job id goes out as Ferry-Message-Id so the sink records it.
 */
async function main(): Promise<void> {
  const concurrency = intEnv('BENCH_CONCURRENCY');
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });

  const deliver = async (job: Job<MessageJobData>): Promise<void> => {
    const { destination, body } = job.data;
    const response = await request(destination, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'ferry-message-id': job.id ?? '' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body.text();
    // A throw makes BullMQ retry the job with its backoff.
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}`);
  };

  const worker = new Worker<MessageJobData>(QUEUE_NAME, deliver, { connection: redisConnection(), concurrency });
  await worker.waitUntilReady();
  announce({ msg: 'ready' });
  exitWithParent(async () => {
    await worker.close();
    await agent.close();
  });
}

main().catch(failed);
