-- Hand-over on arrival (enqueue.lua): while a dispatcher waits for work, the first delivery
-- due now whose destination has nothing queued before it and may start one more is leased to
-- that dispatcher and handed over (handoff.lua) instead of queued. At most one per call: a
-- waiting dispatcher takes one. `k` holds the keys waiting, handoff, dests, parked, leases,
-- inflight and events.
-- @include handoff
local function arrivalHandOver(k, now)
  -- waiter: nil until asked for, false when none waits; taken: the delivery given to it.
  local self = { waiter = nil, taken = nil }

  -- Takes the delivery for the waiting dispatcher if it can go straight out; `queuedBefore`
  -- when this call queues others for its destination already (they go first).
  function self.take(id, r, readyKey, destKey, queuedBefore)
    if self.taken or queuedBefore then return false end
    if self.waiter == nil then self.waiter = findWaiter(k.waiting) or false end
    if not self.waiter or redis.call('LLEN', readyKey) > 0 then return false end
    local l = readLimits(destKey, self.waiter.cap)
    if not admit(l, k.dests, k.parked, r.dest, now) then return false end
    take(l, now)
    saveLimits(l, destKey)
    r.state = 'ready'
    self.taken = { id = id, r = r }
    return true
  end

  -- Leases the delivery taken, if any, and hands it over; called once its record is written.
  function self.handOver(maxLen)
    local t = self.taken
    if not t then return end
    startLeases(k.leases, k.inflight, { t.id }, { '1' }, now, now + self.waiter.leaseMs)
    logEvent(k.events, maxLen, 'leased', t.id, 1)
    handOff(k.waiting, k.handoff, self.waiter, t.id, 1, t.r)
  end

  return self
end
