--[[
  claim — leases up to N ready deliveries, one at a time from each candidate destination in
  turn, so a destination with a long backlog cannot crowd out the others. Each destination is
  held to its limits here, where they hold across every dispatcher: paused ones leave the
  rotation until resumed; one past its Retry-After time or its rate (GCRA: `tat` is the
  theoretical arrival time, `burst` deliveries may start at once) is parked until it may send
  again; one at its concurrency cap leaves until a slot frees. Served destinations go to the
  back of the rotation, drained ones leave it. Parked destinations whose time has come rejoin.

  The caller names the candidates (from the previous claim's answer or the head of the
  rotation), because a script may only touch keys it is given; a stale candidate is harmless.

  KEYS[1] deliveries   KEYS[2] leases   KEYS[3] dests   KEYS[4] parked
  KEYS[5] events       KEYS[6] wake
  KEYS[5+2i] ready:<dest i>       KEYS[6+2i] dest:<dest i>        (i = 1..n)

  ARGV[1] events max length
  ARGV[2] lease duration in ms
  ARGV[3] most deliveries to lease
  ARGV[4] how many next candidates to return
  ARGV[5] concurrency cap of a destination that has none of its own
  ARGV[5+i] destination origin i

  Returns { leased, candidates, nextParkedAt } where leased is a flat list of
  (id, attempt, dest, envelope) per leased delivery, candidates the destinations now at the
  head of the rotation, and nextParkedAt when the first parked destination may send (-1: none).
  Events: leased
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include limits

local deliveriesKey, leasesKey, destsKey, parkedKey, eventsKey, wakeKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local maxLen, leaseMs, limit, candidateLimit, defaultCap =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local n = #ARGV - 5

local now = nowMs()
for _, dest in ipairs(redis.call('ZRANGEBYSCORE', parkedKey, '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', parkedKey, dest)
  if not redis.call('ZSCORE', destsKey, dest) then
    redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
  end
end

local limits = {}
local function limitsOf(i)
  limits[i] = limits[i] or readLimits(KEYS[6 + 2 * i], defaultCap)
  return limits[i]
end

local expiry = now + leaseMs
local leased, count = {}, 0
local open, served = {}, {}
for i = 1, n do open[i] = true end

local function leaseFrom(i)
  if not admit(limitsOf(i), destsKey, parkedKey, ARGV[5 + i], now) then
    open[i] = false
    return
  end
  local readyKey = KEYS[5 + 2 * i]
  local id, r
  repeat
    id = redis.call('LPOP', readyKey)
    if not id then
      open[i] = false
      return
    end
    r = readRecord(deliveriesKey, id)
    -- Anything but 'ready' was cancelled while it waited: the stale entry is dropped.
  until r and r.state == 'ready'
  take(limits[i], now)
  r.state, r.attempt, r.updatedAt = 'in_flight', r.attempt + 1, now
  writeRecord(deliveriesKey, id, r)
  redis.call('ZADD', leasesKey, expiry, id)
  logEvent(eventsKey, maxLen, 'leased', id, r.attempt)
  leased[#leased + 1] = id
  leased[#leased + 1] = r.attempt
  leased[#leased + 1] = ARGV[5 + i]
  leased[#leased + 1] = r.envelope
  count = count + 1
  served[i] = true
end

local progress = true
while count < limit and progress do
  progress = false
  for i = 1, n do
    if open[i] and count < limit then
      leaseFrom(i)
      progress = progress or open[i]
    end
  end
end

for i, l in pairs(limits) do saveLimits(l, KEYS[6 + 2 * i]) end

-- A served destination goes to the back, one without ready work leaves; one the batch did
-- not reach keeps its place, and one held back by a limit was moved by admit().
for i = 1, n do
  local dest = ARGV[5 + i]
  if open[i] and served[i] then
    if redis.call('LLEN', KEYS[5 + 2 * i]) > 0 then
      redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
    else
      redis.call('ZREM', destsKey, dest)
    end
  elseif not open[i] and redis.call('LLEN', KEYS[5 + 2 * i]) == 0 then
    redis.call('ZREM', destsKey, dest)
  end
end

local candidates = redis.call('ZRANGE', destsKey, 0, candidateLimit - 1)
if #candidates > 0 then wake(wakeKey, candidates[1]) end
local firstParked = redis.call('ZRANGE', parkedKey, 0, 0, 'WITHSCORES')
return { leased, candidates, firstParked[2] and tonumber(firstParked[2]) or -1 }
