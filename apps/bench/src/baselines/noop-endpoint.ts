import express from 'express';
import { exitWithParent, failed } from './baseline-env';
import { MESSAGE_LIMIT_BYTES } from './bullmq-queue';
import { closeServer, createBaselineApp, listen } from './express-app';

/**
 * The ingest ceiling: parses the JSON body and answers 202 with an id, storing nothing. What is
 * left between this and Ferry's ingest is validation plus the write to Redis.
 */
async function main(): Promise<void> {
  const app = createBaselineApp();
  let accepted = 0;
  app.post('/v1/messages', express.json({ limit: MESSAGE_LIMIT_BYTES }), (_req, res) => {
    res.status(202).json({ messageId: String(++accepted) });
  });
  const server = await listen(app);
  exitWithParent(() => closeServer(server));
}

main().catch(failed);
