-- Frees `count` in-flight slots of a destination (one unless a batch settles them together).
-- The field is deleted at zero so that an idle destination without settings leaves no key
-- behind. A destination that left the rotation because it was at its concurrency cap comes back
-- if it still has ready work, and an idle dispatcher is woken for it.
-- `k` holds the keys: dest, ready, dests, parked, wake.
local function releaseSlot(k, dest, count)
  if redis.call('HINCRBY', k.dest, 'inflight', -(count or 1)) <= 0 then
    redis.call('HDEL', k.dest, 'inflight')
  end
  if redis.call('LLEN', k.ready) > 0 and joinRotation(k.dests, k.parked, k.dest, dest) then
    wake(k.wake, dest)
  end
end
