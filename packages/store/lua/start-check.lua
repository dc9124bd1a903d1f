--[[
  start-check — the last word before a dispatcher sends a delivery that waited after its lease
  (for a free slot, or for its destination's rate). Its destination may have been paused, or
  told to wait by a Retry-After, since the claim: then the delivery goes back, unsent, to the
  front of its ready list, spending nothing (its record is left as it was, so the next claim
  leases it under the same attempt number). Otherwise its lease is renewed for the attempt.

  KEYS[1] leases   KEYS[2] inflight   KEYS[3] ready:<dest>   KEYS[4] dests   KEYS[5] parked
  KEYS[6] events   KEYS[7] wake       KEYS[8] dest:<dest>    KEYS[9] ready count
  KEYS[10] deliveries

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] lease token (the attempt number the claim returned)
  ARGV[4] new lease duration from now, in ms
  ARGV[5] destination (origin)

  Returns the new lease expiry (ms) when the delivery may be sent; 0 when it was handed back;
  -1 unknown delivery; -2 stale lease token.
  Events: released (when handed back)
]]
-- @include now
-- @include event
-- @include wake
-- @include rotation
-- @include slot
-- @include lease
-- @include ready

local leasesKey, inflightKey, readyKey, destsKey, parkedKey, eventsKey, wakeKey, destKey, readyCountKey, deliveriesKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local maxLen, id, token, leaseMs, dest = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

-- A held lease implies a stored record (nothing deletes a leased one): see extend.lua.
if not holdsLease(inflightKey, id, token) then
  return redis.call('HEXISTS', deliveriesKey, id) == 1 and -2 or -1
end

local now = nowMs()
local hold = redis.call('HMGET', destKey, 'paused', 'until')
if hold[1] == '1' or (tonumber(hold[2]) or 0) > now then
  -- The lease ends first, so that the script is not refused at Redis's memory limit (ack.lua).
  endLeases(leasesKey, inflightKey, { id })
  redis.call('LPUSH', readyKey, id)
  countReady(readyCountKey, 1)
  -- A paused destination stays out of the rotation; a waiting one is parked until its time.
  releaseSlot({ dest = destKey, ready = readyKey, dests = destsKey, parked = parkedKey, wake = wakeKey }, dest)
  logEvent(eventsKey, maxLen, 'released', id)
  return 0
end

-- Taken out and put back, as in extend.lua.
local expiry = now + leaseMs
redis.call('ZREM', leasesKey, id)
redis.call('ZADD', leasesKey, expiry, id)
return expiry
