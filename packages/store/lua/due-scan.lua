--[[
  due-scan — lists deliveries whose due time has come, with their destinations, so the
  caller can name the ready lists `promote` will write to. Writes nothing.

  KEYS[1] due   KEYS[2] deliveries

  ARGV[1] most ids to list

  Returns { now, nextDueAt, id1, dest1, id2, dest2, ... } where nextDueAt is the due time of
  the earliest delivery not listed (-1 when there is none).
  Events: none
]]
-- @include now
-- @include record

local dueKey, deliveriesKey = KEYS[1], KEYS[2]
local limit = tonumber(ARGV[1])

local now = nowMs()
local out = { now, -1 }
local ids = redis.call('ZRANGEBYSCORE', dueKey, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  local r = readRecord(deliveriesKey, id)
  out[#out + 1] = id
  out[#out + 1] = r and r.dest or ''
end

local next = redis.call('ZRANGE', dueKey, #ids, #ids, 'WITHSCORES')
if next[2] then out[2] = tonumber(next[2]) end
return out
