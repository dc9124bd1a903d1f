--[[
  ack — records a successful attempt: the delivery becomes `delivered`, its lease and
  destination slot are freed, and the next delivery with its ordering key may start.

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] attempts   KEYS[4] done
  KEYS[5] events   KEYS[6] dest:<dest>   KEYS[7] ready:<dest>   KEYS[8] dests
  KEYS[9] parked   KEYS[10] wake    KEYS[11] due       KEYS[12] backlog
  KEYS[13] order:<dest>:<tenant>:<key>   (only with an ordering key)

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
-- @include wake
-- @include rotation
-- @include slot
-- @include route
-- @include finish

local k = { deliveries = KEYS[1], done = KEYS[4], dest = KEYS[6], ready = KEYS[7], dests = KEYS[8],
            parked = KEYS[9], wake = KEYS[10], due = KEYS[11], backlog = KEYS[12], order = KEYS[13] }
local leasesKey, attemptsKey, eventsKey = KEYS[2], KEYS[3], KEYS[5]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

local r = readRecord(k.deliveries, id)
if not r then return -1 end
if r.state ~= 'in_flight' or r.attempt ~= token then return -2 end

local now = nowMs()
r.state, r.updatedAt = 'delivered', now
writeRecord(k.deliveries, id, r)
redis.call('ZREM', leasesKey, id)
appendAttempt(attemptsKey, id, attemptJson)
releaseSlot(k.dest, k.ready, k.dests, k.parked, r.dest)
logEvent(eventsKey, maxLen, 'delivered', id, r.attempt)
finish(k, id, r, now)
return 1
