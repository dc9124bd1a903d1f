--[[
  expire — forgets finished deliveries (delivered, failed, cancelled) whose retention
  period is over, a batch at a time, so memory stays bounded.

  KEYS[1] done   KEYS[2] state   KEYS[3] msg   KEYS[4] attempts   KEYS[5] dlq

  ARGV[1] retention in ms
  ARGV[2] most deliveries to forget in this call

  Returns the number forgotten.
  Events: none
]]
-- @include now

local doneKey, stateKey, msgKey, attemptsKey, dlqKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local retention, limit = tonumber(ARGV[1]), tonumber(ARGV[2])

local ids = redis.call('ZRANGEBYSCORE', doneKey, '-inf', nowMs() - retention, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  redis.call('HDEL', stateKey, id)
  redis.call('HDEL', msgKey, id)
  redis.call('HDEL', attemptsKey, id)
  redis.call('ZREM', dlqKey, id)
  redis.call('ZREM', doneKey, id)
end
return #ids
