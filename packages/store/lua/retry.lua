--[[
  retry — records a failed attempt. While retries remain the delivery waits in the due set
  for its back-off; when they are spent, or the failure is final, it is dead-lettered.

  KEYS[1] state    KEYS[2] leases   KEYS[3] attempts   KEYS[4] due
  KEYS[5] dlq      KEYS[6] done     KEYS[7] events     KEYS[8] dest:<dest>

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] attempt record (JSON object)
  ARGV[5] back-off before the next attempt, in ms (computed by the caller)
  ARGV[6] 1 when the failure is final (no retry whatever remains), else 0

  Returns 1 retrying, 2 dead-lettered; -1 unknown delivery; -2 stale lease token.
  Events: retrying | failed
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include slot

local stateKey, leasesKey, attemptsKey, dueKey, dlqKey, doneKey, eventsKey, destKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local backoff, final = tonumber(ARGV[5]), ARGV[6] == '1'

local r = readRecord(stateKey, id)
if not r then return -1 end
if r.state ~= 'in_flight' or r.attempt ~= token then return -2 end

local now = nowMs()
redis.call('ZREM', leasesKey, id)
releaseSlot(destKey)
appendAttempt(attemptsKey, id, attemptJson)
r.updatedAt = now

if final or r.attempt - r.free >= r.maxAttempts then
  r.state = 'failed'
  writeRecord(stateKey, id, r)
  redis.call('ZADD', dlqKey, now, id)
  redis.call('ZADD', doneKey, now, id)
  logEvent(eventsKey, maxLen, 'failed', id, r.attempt)
  return 2
end

r.state = 'retrying'
writeRecord(stateKey, id, r)
redis.call('ZADD', dueKey, now + backoff, id)
logEvent(eventsKey, maxLen, 'retrying', id, r.attempt)
return 1
