import { publishMessageSchema, type PublishLimits } from '@ferry/contracts';
import type { Logger } from '@ferry/runtime';
import type { Enqueued, Store } from '@ferry/store';
import type { Backpressure } from './backpressure';
import type { IngestConfig } from './config';
import type { DestinationCheck } from './destination-check';
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
// the serialised message body (publish-request.ts). On top of the body, a message carries its
// destination (≤ 2 KiB), headers (≤ 16 KiB) and the rest, and JSON escaping can inflate a string.
const ENVELOPE_ALLOWANCE = 64 * 1024;

/** Largest request body `POST /v1/messages` reads. */
export function messageRequestLimit(config: IngestConfig): number {
  return config.maxBodyBytes + ENVELOPE_ALLOWANCE;
}

/**
 * Publishing one message, whichever way the request came in: validate the parsed body, check
 * the destination, pass backpressure, enqueue (grouped with concurrent publishes), count it.
 */
export class MessagePublisher {
  readonly limits: PublishLimits;
  readonly policy: PublishPolicy;
  private readonly schema: ReturnType<typeof publishMessageSchema>;
  private readonly batcher: EnqueueBatcher;

  constructor(private readonly deps: MessagePublisherDeps) {
    const { config } = deps;
    this.limits = { maxRetries: config.maxRetries, maxDelayMs: config.maxDelayMs, maxTimeoutMs: config.maxTimeoutMs };
    this.policy = { defaultRetries: config.defaultRetries, maxBodyBytes: config.maxBodyBytes, maxDelayMs: config.maxDelayMs };
    this.schema = publishMessageSchema(this.limits);
    this.batcher = new EnqueueBatcher(deps.store);
  }

  /** Resolves once the message is in Redis; throws what the error handler turns into an answer. */
  async publish(body: unknown, requestLog: () => Logger): Promise<Enqueued> {
    const message = this.schema.parse(body);
    const request = toEnqueueRequest(message, this.policy);
    await this.deps.destinations.assertAllowed([{ destination: message.destination, path: ['destination'] }]);
    await this.deps.backpressure.admit(TENANT, 1);
    const enqueued = await this.batcher.enqueue(request);
    this.deps.metrics.accepted.inc();
    logAccepted(this.deps.log, requestLog, [enqueued]);
    return enqueued;
  }
}

/** At debug only; the level is asked of the service's logger so no request logger is made for nothing. */
export function logAccepted(log: Logger, requestLog: () => Logger, enqueued: readonly Enqueued[]): void {
  if (!log.isLevelEnabled('debug')) return;
  for (const { id, state } of enqueued) requestLog().debug({ messageId: id, state }, 'message accepted');
}
