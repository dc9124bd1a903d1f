export { Store, openStore, type StoreEnv } from './store';
export { promoteDue, reapExpired, expireFinished, shardDepth, type PromoteResult } from './maintenance';
export { Keys } from './keys';
export { newMessageId, shardFor, shardOfMessageId } from './ids';
export { StoreError, StoreErrorCode } from './errors';
export type { Envelope } from './envelope';
export type { AttemptOutcome } from './attempt-record';
export type { StateRecord } from './state-record';
export type * from './types';
