--[[
  release — hands a leased delivery back without spending a retry, to the front of its
  destination's ready list (a dispatcher shutting down that could not finish it in time). The
  attempt it made, if any, goes on the status trail.

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] ready:<dest>   KEYS[4] dests
  KEYS[5] parked   KEYS[6] events   KEYS[7] wake           KEYS[8] dest:<dest>
  KEYS[9] inflight      KEYS[10] attempts    KEYS[11] ready count

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] attempt record (JSON object), or '' when no request was made

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
-- @include trail
-- @include ready

local deliveriesKey, leasesKey, readyKey, destsKey, parkedKey, eventsKey, wakeKey, destKey, inflightKey, attemptsKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local readyCountKey = KEYS[11]
local maxLen, id, token, attemptJson = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

local r = readRecord(deliveriesKey, id)
if not r then return -1 end
if not holdsLease(inflightKey, id, token) then return -2 end
r.attempt = token

-- The lease ends first, so that the script is not refused at Redis's memory limit (ack.lua).
endLeases(leasesKey, inflightKey, { id })
local now = nowMs()
r.state, r.free, r.updatedAt = 'ready', r.free + 1, now
writeRecord(deliveriesKey, id, r)
redis.call('LPUSH', readyKey, id)
countReady(readyCountKey, 1)
releaseSlot({ dest = destKey, ready = readyKey, dests = destsKey, parked = parkedKey, wake = wakeKey }, r.dest)
if attemptJson ~= '' then appendAttempt(attemptsKey, id, attemptJson) end
logEvent(eventsKey, maxLen, 'released', id, r.attempt)
wake(wakeKey, r.dest)
return 1
