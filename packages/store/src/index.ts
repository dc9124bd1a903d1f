export { Store, openStore, type StoreEnv, type WorkSignal } from './store';
export { HANDOFF_TTL_MS, registerWaiter, takeHandedOver, unregisterWaiter, type Waiter } from './handoff';
export { promoteDue, reapExpired, expireFinished, pruneDestinations, recountReady, shardDepth, type PromoteResult } from './maintenance';
export { RecentDestinations } from './recent-destinations';
export {
  getDestination,
  listDestinations,
  updateDestination,
  type DestinationChange,
  type DestinationSettings,
  type DestinationView,
} from './destinations';
export { eventTimes, parseEventEntry, type EventDelivery, type EventEntry } from './events';
export { Keys } from './keys';
export { newMessageId, shardForDestination, shardOfMessageId } from './ids';
export { StoreError, StoreErrorCode } from './errors';
export type { Envelope } from './envelope';
export type { AttemptOutcome } from './attempt-record';
export type { StateRecord } from './state-record';
export type * from './types';
