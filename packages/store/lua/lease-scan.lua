--[[
  lease-scan — lists in-flight deliveries whose lease has expired (their dispatcher died or
  stalled), with what the caller needs to name the keys `reap` touches. Writes nothing.

  KEYS[1] leases   KEYS[2] deliveries

  ARGV[1] most ids to list

  Returns { id1, dest1, tenant1, orderingKey1, id2, ... } ('' for what a missing record lacks)
  Events: none
]]
-- @include now
-- @include record

local leasesKey, deliveriesKey = KEYS[1], KEYS[2]
local limit = tonumber(ARGV[1])

local out = {}
local ids = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', nowMs(), 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  local r = readRecord(deliveriesKey, id)
  out[#out + 1] = id
  out[#out + 1] = r and r.dest or ''
  out[#out + 1] = r and r.tenant or ''
  out[#out + 1] = r and r.orderingKey or ''
end
return out
