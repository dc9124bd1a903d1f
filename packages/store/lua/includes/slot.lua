-- Frees one in-flight slot of a destination. The field is deleted at zero so that an idle
-- destination leaves no key behind.
local function releaseSlot(destKey)
  if redis.call('HINCRBY', destKey, 'inflight', -1) <= 0 then
    redis.call('HDEL', destKey, 'inflight')
  end
end
