import type { MessageStatus } from '@ferry/contracts';
import type { DeliveryView } from '@ferry/store';

/** The stored delivery as `GET /v1/messages/:id` shows it: times as ISO strings, attempts oldest first. */
export function toMessageStatus(view: DeliveryView): MessageStatus {
  const status: MessageStatus = {
    messageId: view.id,
    state: view.record.state,
    destination: view.envelope.url,
    method: view.envelope.method,
    createdAt: new Date(view.record.createdAt).toISOString(),
    updatedAt: new Date(view.record.updatedAt).toISOString(),
    maxAttempts: view.record.maxAttempts,
    freeAttempts: view.record.free,
    attempts: view.attempts,
  };
  if (view.nextAttemptAt !== undefined) status.nextAttemptAt = new Date(view.nextAttemptAt).toISOString();
  if (view.envelope.orderingKey !== undefined) status.orderingKey = view.envelope.orderingKey;
  return status;
}
