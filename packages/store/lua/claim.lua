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
  Deliveries handed over on arrival that no waiting dispatcher took (handoff.lua) come first.

  KEYS[1] deliveries   KEYS[2] leases   KEYS[3] dests   KEYS[4] parked
  KEYS[5] events       KEYS[6] wake     KEYS[7] handoff KEYS[8] inflight
  KEYS[9] due          KEYS[10] ready count
  KEYS[9+2i] ready:<dest i>       KEYS[10+2i] dest:<dest i>       (i = 1..n)

  ARGV[1] events max length
  ARGV[2] lease duration in ms
  ARGV[3] most deliveries to lease
  ARGV[4] how many next candidates to return
  ARGV[5] concurrency cap of a destination that has none of its own
  ARGV[5+i] destination origin i

  Returns { leased, candidates, nextParkedInMs, paces } where leased is a flat list of
  (id, attempt, dest, stored field) per leased delivery (the field whole, record line first:
  cutting the envelope out would cost a kilobyte string), candidates the destinations now at the
  head of the rotation, nextParkedInMs how long until the first parked destination may send,
  by this clock (-1: none parked), so that no caller compares its own clock with Redis's, and
  paces a flat list of (dest, interval ms, tolerance ms), as text, for each leased-from
  destination with a rate: a dispatcher that holds a delivery back spaces its start the same.
  Events: leased (one entry per 16 deliveries of the batch)

  The records are not rewritten: the lease is the leases and inflight entries (lease.lua).
  The batch is shared out first (shareOut in limits.lua: numbers only, one delivery per
  destination per round, within what each may start now), then each share is taken with one
  call per kind of write, not one per delivery: Redis's cost per call dominates the work per
  delivery.
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include limits
-- @include handoff
-- @include lease
-- @include ready

local deliveriesKey, leasesKey, destsKey, parkedKey, eventsKey, wakeKey, handoffKey, inflightKey, dueKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local readyCountKey = KEYS[10]
local maxLen, leaseMs, limit, candidateLimit, defaultCap =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local n = #ARGV - 5

local now = nowMs()
local expiry = now + leaseMs
local leased = {}

-- Handed over, but the dispatcher stopped waiting before it took them: those go first.
limit = limit - takeLeftovers({ handoff = handoffKey, deliveries = deliveriesKey, inflight = inflightKey, leases = leasesKey },
  limit, expiry, leased)
rejoinParked(destsKey, parkedKey, now)

local function readyKey(i) return KEYS[9 + 2 * i] end
local function destKey(i) return KEYS[10 + 2 * i] end
local function destName(i) return ARGV[5 + i] end

local limits, share = shareOut({ n = n, ready = readyKey, dest = destKey, name = destName },
  { dests = destsKey, parked = parkedKey }, limit, defaultCap, now)

-- Take each share: ids off the head of the ready list, their fields in one read, the leases
-- and event in one write each. An entry whose delivery is no longer ready (cancelled while it
-- waited, or back in the due set) or is leased already is dropped, and one more is taken in its
-- place. Only the record line is read (readyAttempt): the field goes back whole.
local leasedIds, leasedAttempts = {}, {}
local served, popped = {}, 0
for i = 1, n do
  local wanted = share[i] or 0
  while wanted > 0 do
    local ids = redis.call('LPOP', readyKey(i), wanted)
    if not ids then break end
    popped = popped + #ids
    local raws = redis.call('HMGET', deliveriesKey, unpack(ids))
    local held = redis.call('HMGET', inflightKey, unpack(ids))
    for x, id in ipairs(ids) do
      local attempt = not held[x] and readyAttempt(raws[x], id, dueKey, now)
      if attempt then
        take(limits[i], now)
        attempt = attempt + 1
        leasedIds[#leasedIds + 1] = id
        leasedAttempts[#leasedAttempts + 1] = decimal(attempt)
        leased[#leased + 1] = id
        leased[#leased + 1] = attempt
        leased[#leased + 1] = destName(i)
        leased[#leased + 1] = raws[x]
        wanted = wanted - 1
        served[i] = true
      end
    end
  end
end
if #leasedIds > 0 then
  startLeases(leasesKey, inflightKey, leasedIds, leasedAttempts, now, expiry)
  logEvents(eventsKey, maxLen, 'leased', leasedIds, leasedAttempts)
end
countReady(readyCountKey, -popped)
for i, l in pairs(limits) do saveLimits(l, destKey(i)) end

-- A served destination with work left goes to the back of the rotation, unless its limits
-- now hold it back (admit moves it); one without ready work leaves. One the batch did not
-- reach keeps its place.
for i = 1, n do
  local dest = destName(i)
  if limits[i] ~= nil and redis.call('LLEN', readyKey(i)) == 0 then
    redis.call('ZREM', destsKey, dest)
  elseif served[i] and admit(limits[i], destsKey, parkedKey, dest, now) then
    redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
  end
end

local candidates = redis.call('ZRANGE', destsKey, 0, candidateLimit - 1)
if #candidates > 0 then wake(wakeKey, candidates[1]) end
local firstParked = redis.call('ZRANGE', parkedKey, 0, 0, 'WITHSCORES')
return { leased, candidates, firstParked[2] and math.max(0, tonumber(firstParked[2]) - now) or -1,
  pacesOf(limits, served, n, destName) }
