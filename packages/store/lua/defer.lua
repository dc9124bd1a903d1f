--[[
  defer — the destination answered "not now" (429 or 503 with Retry-After): the whole
  destination is parked until then, and the delivery goes back to the front of its ready list
  without spending a retry. Bounded: once a delivery has had `maxFree` free attempts, the
  caller retries it normally instead, passing the wait on so that the destination is parked
  all the same (retry.lua); the script then answers 0 and changes nothing.

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] attempts   KEYS[4] events
  KEYS[5] dest:<dest>   KEYS[6] ready:<dest>   KEYS[7] dests   KEYS[8] parked
  KEYS[9] inflight      KEYS[10] ready count

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] attempt record (JSON object)
  ARGV[5] how long the destination asked to wait, in ms
  ARGV[6] most free attempts a delivery may have
  ARGV[7] the answer in a few words, kept as the destination's last error

  Returns 1 deferred, 0 not deferred (free attempts spent); -1 unknown; -2 stale lease token.
  Events: deferred
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include rotation
-- @include wake
-- @include slot
-- @include lease
-- @include ready

local deliveriesKey, leasesKey, attemptsKey, eventsKey, destKey, readyKey, destsKey, parkedKey, inflightKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local readyCountKey = KEYS[10]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local waitMs, maxFree, lastError = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

local r = readRecord(deliveriesKey, id)
if not r then return -1 end
if not holdsLease(inflightKey, id, token) then return -2 end
r.attempt = token
if r.free >= maxFree then return 0 end

-- The lease ends first, so that the script is not refused at Redis's memory limit (ack.lua).
endLeases(leasesKey, inflightKey, { id })
local now = nowMs()
holdDestination(destsKey, parkedKey, destKey, r.dest, now + waitMs)
redis.call('HSET', destKey, 'error', lastError, 'errorAt', now)

r.state, r.free, r.updatedAt = 'ready', r.free + 1, now
writeRecord(deliveriesKey, id, r)
redis.call('LPUSH', readyKey, id)
countReady(readyCountKey, 1)
-- The destination was parked just above, so freeing the slot cannot put it back in the rotation
-- (and needs no wake-up key).
releaseSlot({ dest = destKey, ready = readyKey, dests = destsKey, parked = parkedKey }, r.dest)
appendAttempt(attemptsKey, id, attemptJson)
logEvent(eventsKey, maxLen, 'deferred', id, r.attempt)
return 1
