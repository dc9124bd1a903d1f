import { Queue } from 'bullmq';
import express, { type Request, type Response } from 'express';
import { exitWithParent, failed, redisConnection } from './baseline-env';
import { BATCH_LIMIT_BYTES, JOB_OPTIONS, MAX_BATCH, MESSAGE_LIMIT_BYTES, QUEUE_NAME, type MessageJobData } from './bullmq-queue';
import { closeServer, createBaselineApp, listen } from './express-app';

/**
 * What a team would build instead of Ferry's ingest: an express route that adds the request to
 * a BullMQ queue and answers 202 once Redis has it. A shape check stands in for validation;
 * Ferry validates far more, so this side is, if anything, favoured.
 */
async function main(): Promise<void> {
  const queue = new Queue<MessageJobData>(QUEUE_NAME, { connection: redisConnection(), defaultJobOptions: JOB_OPTIONS });
  await queue.waitUntilReady();
  const app = createBaselineApp();

  app.post('/v1/messages', express.json({ limit: MESSAGE_LIMIT_BYTES }), async (req: Request, res: Response) => {
    if (!isMessage(req.body)) {
      res.status(400).json({ error: 'destination (a string) is required' });
      return;
    }
    const job = await queue.add('message', req.body);
    res.status(202).json({ messageId: job.id });
  });

  app.post('/v1/messages/batch', express.json({ limit: BATCH_LIMIT_BYTES }), async (req: Request, res: Response) => {
    const messages: unknown = req.body;
    if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_BATCH || !messages.every(isMessage)) {
      res.status(400).json({ error: `send an array of 1 to ${MAX_BATCH} messages, each with a destination` });
      return;
    }
    const jobs = await queue.addBulk(messages.map((data) => ({ name: 'message', data })));
    res.status(202).json({ results: jobs.map((job) => ({ messageId: job.id })) });
  });

  const server = await listen(app);
  exitWithParent(async () => {
    await closeServer(server);
    await queue.close();
  });
}

function isMessage(value: unknown): value is MessageJobData {
  return typeof value === 'object' && value !== null && typeof (value as { destination?: unknown }).destination === 'string';
}

main().catch(failed);
