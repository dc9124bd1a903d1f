--[[
  expire — forgets finished deliveries (delivered, failed, cancelled) whose retention
  period is over, a batch at a time, so memory stays bounded.

  KEYS[1] done   KEYS[2] deliveries   KEYS[3] attempts   KEYS[4] dlq

  ARGV[1] retention in ms
  ARGV[2] most deliveries to forget in this call (at most a few thousand: they are unpacked
          into one command each)

  Returns the number forgotten.
  Events: none
]]
-- @include now

local doneKey, deliveriesKey, attemptsKey, dlqKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local retention, limit = tonumber(ARGV[1]), tonumber(ARGV[2])

local ids = redis.call('ZRANGEBYSCORE', doneKey, '-inf', nowMs() - retention, 'LIMIT', 0, limit)
if #ids > 0 then
  redis.call('HDEL', deliveriesKey, unpack(ids))
  redis.call('HDEL', attemptsKey, unpack(ids))
  redis.call('ZREM', dlqKey, unpack(ids))
  redis.call('ZREM', doneKey, unpack(ids))
end
return #ids
