/**
 * Every FERRY_* variable any Ferry service reads. Services often share one environment (a
 * compose env file, `npm start`), so each ignores the others' variables while still refusing
 * a name no service knows — almost always a typo. Add a variable here when a service adds it.
 */
export const FERRY_VARIABLES = [
  'FERRY_KEY_PREFIX',
  'FERRY_SHARDS',
  'FERRY_EVENTS_MAXLEN',
  'FERRY_MAX_FREE_ATTEMPTS',
  'FERRY_SHUTDOWN_TIMEOUT_MS',
  'FERRY_HOST',
  'FERRY_ALLOW_PRIVATE_DESTINATIONS',
  'FERRY_DELIVERY_TIMEOUT_MS',
  // ingest
  'FERRY_API_TOKEN',
  'FERRY_MAX_BODY_BYTES',
  'FERRY_DEFAULT_RETRIES',
  'FERRY_MAX_RETRIES',
  'FERRY_MAX_DELAY',
  'FERRY_MAX_BACKLOG',
  'FERRY_MAX_REDIS_MEMORY',
  // dispatcher
  'FERRY_LEASE_MS',
  'FERRY_RETRY_BASE_MS',
  'FERRY_RETRY_FACTOR',
  'FERRY_RETRY_MAX_MS',
  'FERRY_DISPATCH_CONCURRENCY',
  'FERRY_CLAIM_BATCH',
  'FERRY_NON_RETRYABLE_STATUSES',
  'FERRY_RESPONSE_EXCERPT_BYTES',
  'FERRY_DEST_CONCURRENCY',
  'FERRY_MAX_RETRY_AFTER',
  // scheduler
  'FERRY_RETENTION',
  'FERRY_SCHEDULER_TICK_MS',
  'FERRY_REAP_INTERVAL_MS',
  'FERRY_METRICS_PER_DESTINATION',
] as const;
