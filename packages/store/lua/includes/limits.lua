-- A destination's limits as one claim sees them: read once (HMGET), checked and counted in
-- memory for every delivery the claim leases, written back once (`saveLimits`).
-- Fields of dest:<dest>: paused (1), until (ms: Retry-After), inflight, concurrency, rate (per
-- second), burst, tat (GCRA theoretical arrival time, ms).
local function readLimits(destKey, defaultCap)
  local f = redis.call('HMGET', destKey, 'paused', 'until', 'inflight', 'concurrency', 'rate', 'burst', 'tat')
  local rate = tonumber(f[5])
  local interval = rate and 1000 / rate
  return { paused = f[1] == '1', untilMs = tonumber(f[2]), inflight = tonumber(f[3]) or 0,
           cap = tonumber(f[4]) or defaultCap, interval = interval,
           tolerance = interval and ((tonumber(f[6]) or 1) - 1) * interval, tat = tonumber(f[7]) or 0, taken = 0 }
end

-- May the destination start one more delivery now? If not, it leaves the rotation: paused or
-- at its cap until something changes, parked until a Retry-After or its rate lets it send.
local function admit(l, destsKey, parkedKey, dest, now)
  if l.paused or l.inflight >= l.cap then
    redis.call('ZREM', destsKey, dest)
    return false
  end
  if l.untilMs and l.untilMs > now then
    park(destsKey, parkedKey, dest, l.untilMs)
    return false
  end
  if l.interval then
    local tat = math.max(l.tat, now)
    if tat - now > l.tolerance then
      park(destsKey, parkedKey, dest, math.ceil(tat - l.tolerance))
      return false
    end
  end
  return true
end

-- How many deliveries may start now, one after another: up to the cap, and within the rate's
-- burst (each start moves the theoretical arrival time on by one interval). Only called on
-- limits admit() let through, so the answer is at least 1.
local function startsAllowed(l, now)
  local allowed = l.cap - l.inflight
  if l.interval then
    local ahead = math.max(l.tat, now) - now
    -- The small slack keeps a float error from costing a whole start.
    allowed = math.min(allowed, math.floor((l.tolerance - ahead) / l.interval + 1e-9) + 1)
  end
  return allowed
end

-- Counts one start against the limits.
local function take(l, now)
  l.inflight, l.taken = l.inflight + 1, l.taken + 1
  if l.interval then l.tat = math.max(l.tat, now) + l.interval end
end

local function saveLimits(l, destKey)
  if l.taken == 0 then return end
  redis.call('HINCRBY', destKey, 'inflight', l.taken)
  if l.interval then redis.call('HSET', destKey, 'tat', l.tat) end
end

-- Shares out a claim's batch of `left` deliveries among candidate destinations, one per
-- destination per round, so that a long backlog cannot crowd out the others. A destination is
-- looked at when the rounds first reach it: one its limits hold back leaves the rotation or is
-- parked there (admit), one with nothing ready gets nothing. `c` names the candidates: c.n of
-- them, and for candidate i its keys c.ready(i) and c.dest(i) and its origin c.name(i); `k`
-- holds the rotation's keys (dests, parked). Answers, by candidate, the limits of those looked
-- at and how many each gets: numbers only, nothing is taken here.
local function shareOut(c, k, left, defaultCap, now)
  local limits, room, share = {}, {}, {}
  local progress = true
  while left > 0 and progress do
    progress = false
    for i = 1, c.n do
      if left == 0 then break end
      if room[i] == nil then
        limits[i] = readLimits(c.dest(i), defaultCap)
        room[i], share[i] = 0, 0
        if admit(limits[i], k.dests, k.parked, c.name(i), now) then
          room[i] = math.min(startsAllowed(limits[i], now), redis.call('LLEN', c.ready(i)))
        end
      end
      if share[i] < room[i] then
        share[i], left, progress = share[i] + 1, left - 1, true
      end
    end
  end
  return limits, share
end

-- The rates of the candidates a claim served, for the dispatcher to space its starts by
-- (decision 0011): a flat list of (origin, interval ms, tolerance ms) as text.
local function pacesOf(limits, served, n, name)
  local paces = {}
  for i = 1, n do
    local l = limits[i]
    if served[i] and l.interval then
      paces[#paces + 1] = name(i)
      paces[#paces + 1] = tostring(l.interval)
      paces[#paces + 1] = tostring(l.tolerance)
    end
  end
  return paces
end
