--[[
  claim — leases up to N ready deliveries, taking one at a time from each candidate
  destination in turn, so a destination with a long backlog cannot crowd out the others
  within a batch. Served destinations move to the back of the rotation; drained ones leave it.

  The caller names the candidate destinations (from the previous claim's answer or the head
  of the rotation), because a script may only touch keys it is given. Stale candidates are
  harmless: an empty list is skipped and dropped from the rotation.

  KEYS[1] state    KEYS[2] msg     KEYS[3] leases   KEYS[4] dests
  KEYS[5] events   KEYS[6] wake
  KEYS[5+2i] ready:<dest i>        KEYS[6+2i] dest:<dest i>      (i = 1..n)

  ARGV[1] events max length
  ARGV[2] lease duration in ms
  ARGV[3] most deliveries to lease
  ARGV[4] how many next candidates to return
  ARGV[4+i] destination origin i

  Returns { leased, candidates } where leased is a flat list of
  (id, attempt, dest, envelope) for each leased delivery and candidates the destinations now
  at the head of the rotation.
  Events: leased
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation

local stateKey, msgKey, leasesKey, destsKey, eventsKey, wakeKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local maxLen, leaseMs, limit, candidateLimit =
  ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = #ARGV - 4

local now = nowMs()
local expiry = now + leaseMs
local leased, count = {}, 0
local open, served = {}, {}
for i = 1, n do open[i] = true end

local function leaseFrom(i)
  local readyKey, destKey, dest = KEYS[5 + 2 * i], KEYS[6 + 2 * i], ARGV[4 + i]
  while true do
    local id = redis.call('LPOP', readyKey)
    if not id then
      open[i] = false
      return
    end
    local r = readRecord(stateKey, id)
    -- Anything but 'ready' was cancelled while it waited: drop the stale entry.
    if r and r.state == 'ready' then
      r.state, r.attempt, r.updatedAt = 'in_flight', r.attempt + 1, now
      writeRecord(stateKey, id, r)
      redis.call('ZADD', leasesKey, expiry, id)
      redis.call('HINCRBY', destKey, 'inflight', 1)
      logEvent(eventsKey, maxLen, 'leased', id, r.attempt)
      leased[#leased + 1] = id
      leased[#leased + 1] = r.attempt
      leased[#leased + 1] = dest
      leased[#leased + 1] = redis.call('HGET', msgKey, id)
      count = count + 1
      served[i] = true
      return
    end
  end
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

-- Rotate: a served destination goes to the back, a drained one leaves; one the batch did
-- not reach keeps its place.
for i = 1, n do
  local dest = ARGV[4 + i]
  if open[i] and served[i] then
    open[i] = redis.call('LLEN', KEYS[5 + 2 * i]) > 0
  end
  if not open[i] then
    redis.call('ZREM', destsKey, dest)
  elseif served[i] then
    redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
  end
end

local candidates = redis.call('ZRANGE', destsKey, 0, candidateLimit - 1)
if #candidates > 0 then
  wake(wakeKey)
end
return { leased, candidates }
