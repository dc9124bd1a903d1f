-- Frees one in-flight slot of a destination. The field is deleted at zero so that an idle
-- destination without settings leaves no key behind. A destination that left the rotation
-- because it was at its concurrency cap comes back if it still has ready work.
local function releaseSlot(destKey, readyKey, destsKey, parkedKey, dest)
  if redis.call('HINCRBY', destKey, 'inflight', -1) <= 0 then
    redis.call('HDEL', destKey, 'inflight')
  end
  if redis.call('LLEN', readyKey) > 0 then
    joinRotation(destsKey, parkedKey, destKey, dest)
  end
end
