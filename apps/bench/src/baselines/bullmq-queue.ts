import type { JobsOptions } from 'bullmq';

/** The queue the BullMQ endpoint, worker and the bench's own fills share. */
export const QUEUE_NAME = 'messages';

/**
 * Ferry's default policy in BullMQ terms: 5 retries (6 attempts) with exponential backoff. It
 * costs nothing while deliveries succeed, but it is what a team would configure. Completed jobs
 * are kept, as Ferry keeps finished deliveries for its retention period.
 */
export const JOB_OPTIONS: JobsOptions = { attempts: 6, backoff: { type: 'exponential', delay: 10_000 } };

/** What a job carries: the publish request as it came in. */
export interface MessageJobData {
  destination: string;
  body: unknown;
}

/**
 * The same body limits as Ferry's ingest at its defaults (apps/ingest/src/routes/v1/messages.ts):
 * 1 MiB of message body plus a 64 KiB envelope allowance per message, 32 MiB per batch.
 */
export const MESSAGE_LIMIT_BYTES = 1_048_576 + 64 * 1024;
export const BATCH_LIMIT_BYTES = 32 * 1_048_576;
/** Ferry's batch limit. */
export const MAX_BATCH = 1_000;
