import { z } from 'zod';
import { HttpMethod } from './message';

/**
 * Where a delivery is in its life. `waiting` waits for an earlier delivery with its ordering
 * key to finish, `scheduled` for its time, `ready` for a dispatcher; `in_flight` is leased to
 * one, `retrying` waits out a back-off; the last three are terminal.
 */
export const DeliveryState = z.enum([
  'waiting',
  'scheduled',
  'ready',
  'in_flight',
  'retrying',
  'delivered',
  'failed',
  'cancelled',
]);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const TERMINAL_STATES: readonly DeliveryState[] = ['delivered', 'failed', 'cancelled'];

/** One attempt to deliver, as kept on the delivery's status trail. */
export const Attempt = z.strictObject({
  attempt: z.number().int().positive(),
  at: z.string(),
  durationMs: z.number().int().nonnegative(),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  responseExcerpt: z.string().optional(),
});
export type Attempt = z.infer<typeof Attempt>;

/** `GET /v1/messages/:id` */
export const MessageStatus = z.strictObject({
  messageId: z.string(),
  state: DeliveryState,
  destination: z.string(),
  method: HttpMethod,
  createdAt: z.string(),
  updatedAt: z.string(),
  nextAttemptAt: z.string().optional(),
  maxAttempts: z.number().int().positive(),
  /** Claims that spent no retry, with or without a request: Retry-After waits, leases lost to a crash, hand-backs at shutdown. */
  freeAttempts: z.number().int().nonnegative(),
  orderingKey: z.string().optional(),
  attempts: z.array(Attempt),
});
export type MessageStatus = z.infer<typeof MessageStatus>;
