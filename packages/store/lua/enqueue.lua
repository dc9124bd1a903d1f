--[[
  enqueue — accepts deliveries, a batch at a time: stores each and routes it to the due set
  (when it is due later) or its destination's ready list (due now) — or, when an earlier
  delivery with the same ordering key has not finished, behind it. Counts each in its
  tenant's backlog. Each item is checked on its own; a duplicate id does not stop the others.

  While a dispatcher waits for work, the first delivery due now whose destination has nothing
  queued before it and may start one more is not queued but leased to that dispatcher and
  handed over through the handoff list (arrival.lua): it starts without a claim.

  KEYS[1] deliveries   KEYS[2] due      KEYS[3] dests    KEYS[4] parked
  KEYS[5] events       KEYS[6] wake     KEYS[7] backlog  KEYS[8] destinations
  KEYS[9] waiting      KEYS[10] handoff KEYS[11] leases  KEYS[12] inflight
  KEYS[13] ready count
  KEYS[11+3j] ready:<dest j>   KEYS[12+3j] dest:<dest j>   KEYS[13+3j] order:<dest j>:<tenant>:<key>
    (j = 1..m, one triple per destination, tenant and ordering key; the order key is only
    written for deliveries with an ordering key)

  ARGV[1] events max length
  ARGV[2] n, the number of groups; then seven per group g = 1..n, what its deliveries share:
    destination origin, tenant, ordering key ('' for none), max attempts (retries + 1),
    delay in ms (0: none), not-before in ms since the epoch (0: none), j of its keys
  then three per delivery: id, envelope (meta JSON, "\n", body), g of its group
    (every argument costs both sides, so what a batch's deliveries share is sent once)

  Returns one code per delivery, in order: 1 ready, 2 scheduled, 3 waiting behind its ordering
  key, 4 handed to a waiting dispatcher; -4 the id exists already, or comes twice in the batch
  (nothing written for it).
  Events: accepted (one entry per 16 deliveries of the batch); leased (the one handed over)

  Each kind of write is made once for the batch (records, due entries, the event), once per
  destination (ready list, rotation, wake-up) or once per tenant (backlog), not once per
  delivery: Redis's cost per call dominates the work per delivery.
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include limits
-- @include arrival
-- @include ready

local deliveriesKey, dueKey, destsKey, parkedKey, eventsKey, wakeKey, backlogKey, indexKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local waitingKey, handoffKey, leasesKey, inflightKey, readyCountKey = KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local maxLen = ARGV[1]

local groups = {}
for g = 1, tonumber(ARGV[2]) do
  local a = 3 + 7 * (g - 1)
  groups[g] = { dest = ARGV[a], tenant = ARGV[a + 1], orderingKey = ARGV[a + 2], maxAttempts = tonumber(ARGV[a + 3]),
                delay = tonumber(ARGV[a + 4]), notBefore = tonumber(ARGV[a + 5]), j = tonumber(ARGV[a + 6]) }
end
local first = 3 + 7 * #groups

local now = nowMs()
local ids = {}
for i = first, #ARGV, 3 do ids[#ids + 1] = ARGV[i] end
local existing = #ids > 0 and redis.call('HMGET', deliveriesKey, unpack(ids)) or {}

local results, seen, accepted, records, dueArgs = {}, {}, {}, {}, {}
-- Ready ids by destination (one ready list may serve several key groups), in arrival order.
local readyLists, readyIds, destOf, backlog = {}, {}, {}, {}

local arrival = arrivalHandOver({ waiting = waitingKey, handoff = handoffKey, dests = destsKey, parked = parkedKey,
  leases = leasesKey, inflight = inflightKey, events = eventsKey }, now)

for x, id in ipairs(ids) do
  local i = first + 3 * (x - 1)
  local envelope, group = ARGV[i + 1], groups[tonumber(ARGV[i + 2])]
  local dest, tenant, orderingKey, j = group.dest, group.tenant, group.orderingKey, group.j

  if existing[x] or seen[id] then
    results[x] = -4
  else
    seen[id] = true
    if not destOf[j] then
      destOf[j] = dest
      redis.call('ZADD', indexKey, now, dest)
    end
    local dueAt = math.max(now + group.delay, group.notBefore)
    if dueAt <= now then dueAt = 0 end
    local r = { state = 'waiting', attempt = 0, maxAttempts = group.maxAttempts, free = 0, createdAt = now,
                updatedAt = now, dueAt = dueAt, dest = dest, tenant = tenant, orderingKey = orderingKey,
                envelope = envelope }
    backlog[tenant] = (backlog[tenant] or 0) + 1
    accepted[#accepted + 1] = id
    -- Behind an unfinished delivery with the same ordering key: it waits its turn (finish.lua).
    if orderingKey ~= '' and redis.call('RPUSH', KEYS[13 + 3 * j], id) > 1 then
      results[x] = 3
    elseif dueAt > 0 then
      r.state = 'scheduled'
      dueArgs[#dueArgs + 1] = dueAt
      dueArgs[#dueArgs + 1] = id
      results[x] = 2
    elseif arrival.take(id, r, KEYS[11 + 3 * j], KEYS[12 + 3 * j], readyIds[KEYS[11 + 3 * j]] ~= nil) then
      results[x] = 4
    else
      r.state = 'ready'
      local readyKey = KEYS[11 + 3 * j]
      if not readyIds[readyKey] then
        readyIds[readyKey] = {}
        readyLists[#readyLists + 1] = { ready = readyKey, dest = KEYS[12 + 3 * j], name = dest }
      end
      local list = readyIds[readyKey]
      list[#list + 1] = id
      results[x] = 1
    end
    records[#records + 1] = id
    records[#records + 1] = formatRecord(r)
  end
end

if #records > 0 then redis.call('HSET', deliveriesKey, unpack(records)) end
if #dueArgs > 0 then redis.call('ZADD', dueKey, unpack(dueArgs)) end
local readied = 0
for _, l in ipairs(readyLists) do
  redis.call('RPUSH', l.ready, unpack(readyIds[l.ready]))
  readied = readied + #readyIds[l.ready]
  if joinRotation(destsKey, parkedKey, l.dest, l.name) ~= nil then wake(wakeKey, l.name) end
end
countReady(readyCountKey, readied)
for tenant, count in pairs(backlog) do redis.call('HINCRBY', backlogKey, tenant, count) end
logEvents(eventsKey, maxLen, 'accepted', accepted)
arrival.handOver(maxLen)
return results
