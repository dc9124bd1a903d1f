--[[
  lease-scan — lists in-flight deliveries whose lease has expired (their dispatcher died or
  stalled), with what the caller needs to name the keys `reap` touches. Writes nothing.

  KEYS[1] leases   KEYS[2] deliveries

  ARGV[1] most ids to list

  Returns { more, id1, dest1, tenant1, orderingKey1, id2, ... } ('' for what a missing record
  lacks), `more` 1 when expired leases may be left: the limit was reached, or the records read
  passed READ_BUDGET_BYTES (record.lua).
  Events: none
]]
-- @include now
-- @include record

local leasesKey, deliveriesKey = KEYS[1], KEYS[2]
local limit = tonumber(ARGV[1])

local out = { 0 }
local ids = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', nowMs(), 'LIMIT', 0, limit)
if #ids == limit then out[1] = 1 end
local reader = budgetedReader(deliveriesKey)
for _, id in ipairs(ids) do
  if reader.spent() then
    out[1] = 1
    break
  end
  local r = reader.record(id)
  out[#out + 1] = id
  out[#out + 1] = r and r.dest or ''
  out[#out + 1] = r and r.tenant or ''
  out[#out + 1] = r and r.orderingKey or ''
end
return out
