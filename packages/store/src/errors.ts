/**
 * Refusals a script can answer with (small negative return codes), and the one error type
 * they become in TypeScript.
 */
export enum StoreErrorCode {
  NotFound = -1,
  StaleLease = -2,
  NotCancellable = -3,
  DuplicateId = -4,
}

const MESSAGES: Record<StoreErrorCode, string> = {
  [StoreErrorCode.NotFound]: 'no such delivery',
  [StoreErrorCode.StaleLease]: 'the lease is no longer held with this token',
  [StoreErrorCode.NotCancellable]: 'the delivery is in flight or finished',
  [StoreErrorCode.DuplicateId]: 'a delivery with this id exists already',
};

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    readonly deliveryId: string,
  ) {
    super(`${MESSAGES[code]} (${deliveryId})`);
  }
}

/** Returns a script's non-negative result, or throws the StoreError its negative code names. */
export function checkScriptResult(result: number, deliveryId: string): number {
  if (result >= 0) return result;
  throw refusalOf(result, deliveryId);
}

/**
 * The StoreError a script's negative code names. Any other code, a missing one included, means
 * a script and its caller are out of step: that throws, rather than pass for a refusal.
 */
export function refusalOf(code: number | undefined, deliveryId: string): StoreError {
  if (code !== undefined && code in MESSAGES) return new StoreError(code as StoreErrorCode, deliveryId);
  throw new Error(`unexpected script result ${String(code)} for ${deliveryId}`);
}
