-- Sends a delivery on its way once nothing holds it back any more: into the due set when its
-- time has not come, else onto its destination's ready list (joining the rotation, waking a
-- dispatcher), and logs the move as that state's event. `k` holds the keys: deliveries, due,
-- ready, readyCount, dests, parked, dest, wake, events; and eventsMaxLen.
-- @include ready
-- @include event
local function route(k, id, r, now)
  r.updatedAt = now
  if r.dueAt > now then
    r.state = 'scheduled'
    writeRecord(k.deliveries, id, r)
    redis.call('ZADD', k.due, r.dueAt, id)
  else
    r.state = 'ready'
    writeRecord(k.deliveries, id, r)
    redis.call('RPUSH', k.ready, id)
    countReady(k.readyCount, 1)
    if joinRotation(k.dests, k.parked, k.dest, r.dest) ~= nil then wake(k.wake, r.dest) end
  end
  logEvent(k.events, k.eventsMaxLen, r.state, id)
  return r.state
end
