--[[
  extend — pushes out the expiry of a lease the caller still holds.

  KEYS[1] deliveries   KEYS[2] leases   KEYS[3] inflight

  ARGV[1] delivery id
  ARGV[2] lease token (the attempt number the claim returned)
  ARGV[3] new lease duration from now, in ms

  Returns the new expiry (ms); -1 unknown delivery; -2 stale lease token.
  Events: none
]]
-- @include now
-- @include record
-- @include lease

local deliveriesKey, leasesKey, inflightKey = KEYS[1], KEYS[2], KEYS[3]
local id, token, leaseMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local r = readRecord(deliveriesKey, id)
if not r then return -1 end
if not holdsLease(inflightKey, id, token) then return -2 end

local expiry = nowMs() + leaseMs
redis.call('ZADD', leasesKey, 'XX', expiry, id)
return expiry
