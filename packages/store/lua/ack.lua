--[[
  ack — records a successful attempt: the delivery becomes `delivered`, its lease and
  destination slot are freed, and it starts its retention period.

  KEYS[1] state   KEYS[2] leases   KEYS[3] attempts   KEYS[4] done
  KEYS[5] events  KEYS[6] dest:<dest>

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] attempt record (JSON object)

  Returns 1; -1 unknown delivery; -2 the lease is not held with this token (expired and
  re-queued, or taken by a newer claim): the caller's outcome is refused.
  Events: delivered
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include slot

local stateKey, leasesKey, attemptsKey, doneKey, eventsKey, destKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

local r = readRecord(stateKey, id)
if not r then return -1 end
if r.state ~= 'in_flight' or r.attempt ~= token then return -2 end

local now = nowMs()
r.state, r.updatedAt = 'delivered', now
writeRecord(stateKey, id, r)
redis.call('ZREM', leasesKey, id)
releaseSlot(destKey)
appendAttempt(attemptsKey, id, attemptJson)
redis.call('ZADD', doneKey, now, id)
logEvent(eventsKey, maxLen, 'delivered', id, r.attempt)
return 1
