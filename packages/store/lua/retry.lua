--[[
  retry — records a failed attempt. While retries remain the delivery waits in the due set
  for its back-off (the rest of its ordering key waits behind it); when they are spent, or the
  failure is final, it is dead-lettered and the next delivery with its ordering key may start.
  The destination keeps the failure as its last error.

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] attempts   KEYS[4] done
  KEYS[5] events   KEYS[6] dest:<dest>   KEYS[7] ready:<dest>   KEYS[8] dests
  KEYS[9] parked   KEYS[10] wake    KEYS[11] due       KEYS[12] backlog
  KEYS[13] dlq      KEYS[14] inflight   KEYS[15] ready count
  KEYS[16] order:<dest>:<tenant>:<key>   (only with an ordering key)

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] attempt record (JSON object)
  ARGV[5] back-off before the next attempt, in ms (computed by the caller)
  ARGV[6] 1 when the failure is final (no retry whatever remains), else 0
  ARGV[7] the failure in a few words, kept as the destination's last error
  ARGV[8] how long the destination asked to wait, in ms (Retry-After on a deferral defer.lua
          declined); 0 for none. The destination is parked until then.

  Returns 1 retrying, 2 dead-lettered; -1 unknown delivery; -2 stale lease token. A retry
  sent again after a reconnect, its first sending recorded as retrying, answers 1 again and
  writes nothing (one sent again after a dead-letter reads as stale: a lost lease can end so too).
  Events: retrying | failed; ready | scheduled for the next delivery of its ordering key
          (includes/route.lua)
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include wake
-- @include rotation
-- @include slot
-- @include route
-- @include finish
-- @include lease

local leasesKey, attemptsKey, eventsKey, dlqKey, inflightKey = KEYS[2], KEYS[3], KEYS[5], KEYS[13], KEYS[14]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local k = { deliveries = KEYS[1], done = KEYS[4], dest = KEYS[6], ready = KEYS[7], dests = KEYS[8],
            parked = KEYS[9], wake = KEYS[10], due = KEYS[11], backlog = KEYS[12], readyCount = KEYS[15],
            order = KEYS[16], events = eventsKey, eventsMaxLen = maxLen }
local backoff, final, lastError, destinationWait = tonumber(ARGV[5]), ARGV[6] == '1', ARGV[7], tonumber(ARGV[8])

local r = readRecord(k.deliveries, id)
if not r then return -1 end
if not holdsLease(inflightKey, id, token) then
  -- Attempt numbers only grow, and only this script makes a record retrying.
  if r.state == 'retrying' and r.attempt == token then return 1 end
  return -2
end
r.attempt = token

local now = nowMs()
endLeases(leasesKey, inflightKey, { id })
appendAttempt(attemptsKey, id, attemptJson)
redis.call('HSET', k.dest, 'error', lastError, 'errorAt', now)
-- Parked before its slot is freed, which would otherwise put it back in the rotation.
if destinationWait > 0 then holdDestination(k.dests, k.parked, k.dest, r.dest, now + destinationWait) end
releaseSlot(k, r.dest)
r.updatedAt = now

if final or r.attempt - r.free >= r.maxAttempts then
  r.state = 'failed'
  writeRecord(k.deliveries, id, r)
  redis.call('ZADD', dlqKey, now, id)
  logEvent(eventsKey, maxLen, 'failed', id, r.attempt)
  finish(k, id, r, now)
  return 2
end

-- The due time is on the record as well: the claim reads it once a promotion has moved the
-- delivery on without rewriting the record (promote.lua).
r.state, r.dueAt = 'retrying', now + backoff
writeRecord(k.deliveries, id, r)
redis.call('ZADD', k.due, r.dueAt, id)
logEvent(eventsKey, maxLen, 'retrying', id, r.attempt)
return 1
