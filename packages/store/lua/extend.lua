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
-- @include lease

local deliveriesKey, leasesKey, inflightKey = KEYS[1], KEYS[2], KEYS[3]
local id, token, leaseMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

-- A held lease implies a stored record (nothing deletes a leased one), so the record, about a
-- kilobyte, is only looked for when the lease is not held, and then only whether it is there.
if not holdsLease(inflightKey, id, token) then
  return redis.call('HEXISTS', deliveriesKey, id) == 1 and -2 or -1
end

-- Taken out and put back rather than updated in place: at Redis's memory limit a script is
-- refused at its first write only if that write may grow memory (ack.lua), and a renewal that
-- failed there would let the lease expire under a request in flight.
local expiry = nowMs() + leaseMs
redis.call('ZREM', leasesKey, id)
redis.call('ZADD', leasesKey, expiry, id)
return expiry
