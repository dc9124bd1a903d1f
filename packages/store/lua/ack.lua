--[[
  ack — records successful attempts, a batch at a time (one round trip for many outcomes):
  each delivery becomes `delivered`, its lease and destination slot are freed, and the next
  delivery with its ordering key may start. Each item is checked on its own; a refused one
  does not stop the others.

  KEYS[1] deliveries   KEYS[2] leases   KEYS[3] attempts   KEYS[4] done
  KEYS[5] events       KEYS[6] dests    KEYS[7] parked     KEYS[8] wake
  KEYS[9] due          KEYS[10] backlog  KEYS[11] inflight   KEYS[12] ready count
  KEYS[10+3j] ready:<dest j>   KEYS[11+3j] dest:<dest j>   KEYS[12+3j] order:<dest j>:<tenant>:<key>
    (j = 1..m, one triple per destination and ordering key; the order key is never written for
    a delivery without an ordering key)

  ARGV[1] events max length
  ARGV[4i-2], ARGV[4i-1], ARGV[4i], ARGV[4i+1]: delivery id, lease token (the attempt number
    the claim returned), attempt record (JSON object), j of its keys

  Returns one code per item, in order: 1 acked; 0 acked already by this very attempt (the call
  sent again after a reconnect; nothing is written twice); -1 unknown delivery; -2 the lease is
  not held with this token (expired and re-queued, or taken by a newer claim, or the same
  delivery named twice in the batch): that outcome is refused.
  Events: delivered (one entry per 16 deliveries of the batch); ready | scheduled for the
          next delivery of an acked one's ordering key (includes/route.lua)

  Each kind of write is made once for the whole batch (records, leases, trails, done, event):
  Redis's cost per call dominates the work per delivery. A delivered record keeps its
  envelope's metadata but not its body (record.lua: dropBody).
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include wake
-- @include rotation
-- @include slot
-- @include route
-- @include finish
-- @include lease

local deliveriesKey, leasesKey, attemptsKey, eventsKey, inflightKey = KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[11]
local maxLen = ARGV[1]

local now = nowMs()
local nowText = decimal(now)
local ids = {}
for i = 2, #ARGV, 4 do ids[#ids + 1] = ARGV[i] end
local raws = #ids > 0 and redis.call('HMGET', deliveriesKey, unpack(ids)) or {}
local held = #ids > 0 and redis.call('HMGET', inflightKey, unpack(ids)) or {}

local results, groups, freed, seen = {}, {}, {}, {}
local records, acked, attemptJsons, attempts, finishing = {}, {}, {}, {}, {}
local batch = { done = {}, leaving = {}, at = nowText }
for x, id in ipairs(ids) do
  local i = 2 + 4 * (x - 1)
  local token, attemptJson, j = tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local r = parseRecord(raws[x])
  if not r then
    results[x] = -1
  elseif not leaseHeld(held[x], token) or seen[id] then
    -- Attempt numbers only grow, and only an ack makes a record delivered.
    results[x] = (r.state == 'delivered' and r.attempt == token) and 0 or -2
  else
    seen[id] = true
    local k = groups[j]
    if not k then
      k = { deliveries = deliveriesKey, done = KEYS[4], dests = KEYS[6], parked = KEYS[7], wake = KEYS[8],
            due = KEYS[9], backlog = KEYS[10], readyCount = KEYS[12], ready = KEYS[10 + 3 * j],
            dest = KEYS[11 + 3 * j], order = KEYS[12 + 3 * j], name = r.dest,
            events = eventsKey, eventsMaxLen = maxLen }
      groups[j] = k
    end
    r.state, r.attempt, r.updatedAt = 'delivered', token, now
    dropBody(r)
    records[#records + 1] = id
    records[#records + 1] = formatRecord(r)
    acked[#acked + 1] = id
    attemptJsons[#attemptJsons + 1] = attemptJson
    attempts[#attempts + 1] = ARGV[i + 1]
    freed[j] = (freed[j] or 0) + 1
    finishing[#finishing + 1] = { k, id, r }
    results[x] = 1
  end
end

if #acked > 0 then
  -- The leases end first: at Redis's memory limit a script is refused at its first write only
  -- if that write may grow memory, and an ack must go through there, since it frees memory.
  endLeases(leasesKey, inflightKey, acked)
  redis.call('HSET', deliveriesKey, unpack(records))
  appendAttempts(attemptsKey, acked, attemptJsons)
  logEvents(eventsKey, maxLen, 'delivered', acked, attempts)
  -- After the delivered entry: the stream then shows an ordering key's next delivery moving on
  -- (route.lua logs it) after the one before it finished.
  for _, f in ipairs(finishing) do finish(f[1], f[2], f[3], now, batch) end
  redis.call('ZADD', KEYS[4], unpack(batch.done))
end
-- Settled once per destination and tenant rather than per delivery.
for j, count in pairs(freed) do releaseSlot(groups[j], groups[j].name, count) end
for tenant, count in pairs(batch.leaving) do leaveBacklog(KEYS[10], tenant, count) end
return results
