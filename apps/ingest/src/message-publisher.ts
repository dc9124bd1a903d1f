import { ApiError, MAX_BATCH_SIZE, publishBatchSchema, publishMessageSchema, type PublishLimits } from '@ferry/contracts';
import type { Logger } from '@ferry/runtime';
import type { Enqueued, Store } from '@ferry/store';
import type { Backpressure } from './backpressure';
import type { IngestConfig } from './config';
import type { DestinationCheck } from './destination-check';
import { findBodySources } from './body-source';
import { EnqueueBatcher } from './enqueue-batcher';
import type { IngestMetrics } from './metrics';
import { TENANT, toEnqueueRequest, type PublishPolicy } from './publish-request';

export interface MessagePublisherDeps {
  config: IngestConfig;
  log: Logger;
  store: Store;
  destinations: DestinationCheck;
  backpressure: Backpressure;
  metrics: IngestMetrics;
}

// The parser's limit only bounds memory before the body can be measured; the exact check is on
// the message body as it will be delivered (publish-request.ts), so the limit must admit every
// message whose body fits. A string body is delivered unescaped, and each of its characters may
// have taken up to six bytes on the wire (`\u0001` for one byte); the growth allowed is capped
// at what a batch may hold, so a large FERRY_MAX_BODY_BYTES does not multiply the memory one
// request may take. On top of the body, a message carries its destination (≤ 2 KiB), headers
// (≤ 16 KiB) and the rest.
const MAX_ESCAPED_GROWTH = 6;
const ENVELOPE_ALLOWANCE = 64 * 1024;
// A batch of 1000 maximum-size messages would hold a gigabyte in memory for one request; large
// messages are meant to be published one by one.
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** Largest request body `POST /v1/messages` reads. */
export function messageRequestLimit(config: IngestConfig): number {
  const escaping = Math.min((MAX_ESCAPED_GROWTH - 1) * config.maxBodyBytes, MAX_BATCH_BYTES);
  return config.maxBodyBytes + escaping + ENVELOPE_ALLOWANCE;
}

/** Largest request body `POST /v1/messages/batch` reads. */
export function batchRequestLimit(config: IngestConfig): number {
  return Math.min(messageRequestLimit(config) * MAX_BATCH_SIZE, MAX_BATCH_BYTES);
}

/**
 * Publishing, whichever way the request came in: validate the parsed body, check the
 * destinations, pass backpressure, enqueue, count and log what was accepted. A single message
 * is enqueued together with concurrent publishes; a batch with one call per shard.
 */
export class MessagePublisher {
  private readonly policy: PublishPolicy;
  private readonly schema: ReturnType<typeof publishMessageSchema>;
  private readonly batchSchema: ReturnType<typeof publishBatchSchema>;
  private readonly batcher: EnqueueBatcher;

  constructor(private readonly deps: MessagePublisherDeps) {
    const { config } = deps;
    const limits: PublishLimits = { maxRetries: config.maxRetries, maxDelayMs: config.maxDelayMs, maxTimeoutMs: config.maxTimeoutMs };
    this.policy = { defaultRetries: config.defaultRetries, maxBodyBytes: config.maxBodyBytes, maxDelayMs: config.maxDelayMs };
    this.schema = publishMessageSchema(limits);
    this.batchSchema = publishBatchSchema(limits);
    this.batcher = new EnqueueBatcher(deps.store);
  }

  /**
   * Resolves once the message is in Redis; throws what the error handler turns into an answer.
   * `raw` is the request body's UTF-8 bytes, where the message body is taken from as written.
   */
  async publish(body: unknown, requestLog: () => Logger, raw?: Buffer): Promise<Enqueued> {
    if (body === undefined) throw new ApiError('VALIDATION_FAILED', 'The request has no body; send the message as JSON');
    const message = this.schema.parse(body);
    const bodySource = raw && message.body !== undefined ? findBodySources(raw, 'message')[0] : undefined;
    const request = toEnqueueRequest(message, this.policy, { bodySource });
    await this.deps.destinations.assertAllowed([{ destination: message.destination, path: ['destination'] }]);
    const settled = await this.deps.backpressure.admit(TENANT, 1);
    const enqueued = await this.batcher.enqueue(request).finally(settled);
    this.deps.metrics.accepted.inc();
    logAccepted(this.deps.log, requestLog, [enqueued]);
    return enqueued;
  }

  /**
   * All or nothing up to the enqueue: every message is validated and checked before any is
   * written. Answers, per message in order, what became of it (the store may refuse some), and
   * the ones it accepted.
   */
  async publishBatch(body: unknown, requestLog: () => Logger, raw?: Buffer): Promise<BatchOutcome> {
    if (body === undefined) throw new ApiError('VALIDATION_FAILED', 'The request has no body; send the messages as a JSON array');
    const messages = this.batchSchema.parse(body);
    const now = Date.now();
    let bodySources = raw ? findBodySources(raw, 'batch') : [];
    // Never on text JSON.parse accepted; should it happen, no body is taken from another message.
    if (bodySources.length !== messages.length) bodySources = [];
    const requests = messages.map((message, i) => toEnqueueRequest(message, this.policy, { at: [i], now, bodySource: bodySources[i] }));
    await this.deps.destinations.assertAllowed(messages.map(({ destination }, i) => ({ destination, path: [i, 'destination'] })));
    const admissionSettled = await this.deps.backpressure.admit(TENANT, requests.length);
    const settled = await this.deps.store.enqueueMany(requests).finally(admissionSettled);
    const enqueued = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    this.deps.metrics.accepted.inc(enqueued.length);
    logAccepted(this.deps.log, requestLog, enqueued);
    return { settled, enqueued };
  }
}

export interface BatchOutcome {
  /** Per message, in the order published. */
  settled: Array<PromiseSettledResult<Enqueued>>;
  /** The messages the store accepted, in order. */
  enqueued: Enqueued[];
}

/** At debug only; the level is asked of the service's logger so no request logger is made for nothing. */
function logAccepted(log: Logger, requestLog: () => Logger, enqueued: readonly Enqueued[]): void {
  if (!log.isLevelEnabled('debug')) return;
  for (const { id, state } of enqueued) requestLog().debug({ messageId: id, state }, 'message accepted');
}
