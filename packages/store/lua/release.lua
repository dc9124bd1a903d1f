--[[
  release — hands a leased delivery back without spending a retry, to the front of its
  destination's ready list (a dispatcher shutting down that could not finish it in time).

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] ready:<dest>   KEYS[4] dests
  KEYS[5] parked   KEYS[6] events   KEYS[7] wake           KEYS[8] dest:<dest>
  KEYS[9] inflight

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)

  Returns 1; -1 unknown delivery; -2 stale lease token.
  Events: released
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include slot
-- @include lease

local deliveriesKey, leasesKey, readyKey, destsKey, parkedKey, eventsKey, wakeKey, destKey, inflightKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local maxLen, id, token = ARGV[1], ARGV[2], tonumber(ARGV[3])

local r = readRecord(deliveriesKey, id)
if not r then return -1 end
if not holdsLease(inflightKey, id, token) then return -2 end
r.attempt = token

local now = nowMs()
r.state, r.free, r.updatedAt = 'ready', r.free + 1, now
writeRecord(deliveriesKey, id, r)
endLeases(leasesKey, inflightKey, { id })
redis.call('LPUSH', readyKey, id)
releaseSlot({ dest = destKey, ready = readyKey, dests = destsKey, parked = parkedKey, wake = wakeKey }, r.dest)
logEvent(eventsKey, maxLen, 'released', id, r.attempt)
wake(wakeKey, r.dest)
return 1
