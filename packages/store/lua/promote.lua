--[[
  promote — moves due deliveries (delay over, back-off over) to their destinations' ready
  lists, in one call when the caller already knows their destinations. It lists the due ids
  itself, so what it moves is due by Redis's clock at this very moment, whoever else is
  promoting. A delivery whose destination's keys were not passed stays due and its destination
  is answered: the caller calls again with its keys (decision 0002: no key is named here).
  The records are not rewritten (decision 0008): a scheduled or retrying record whose id has
  left the due set is ready, and the claim and the status view read it so. A destination with
  promoted work counts as active in the destinations index, so one whose only work waited out
  a long delay or back-off is not forgotten as idle, nor missing from its listing.

  KEYS[1] deliveries   KEYS[2] due    KEYS[3] dests   KEYS[4] parked
  KEYS[5] events  KEYS[6] wake   KEYS[7] destinations   KEYS[8] ready count
  KEYS[7+2j] ready:<dest j>      KEYS[8+2j] dest:<dest j>      (j = 1..m)

  ARGV[1] events max length
  ARGV[2] most due deliveries to look at (at most a few thousand: they are unpacked into one
    call); fewer once their records pass READ_BUDGET_BYTES (record.lua)
  ARGV[2+j] destination j (j = 1..m)

  Returns { now, nextDueAt, promoted, dest, ... }: Redis's time, the due time of the earliest
  delivery still in the due set (-1 when there is none; at most now when this call left due
  work behind), how many were promoted, and the destinations of due deliveries whose keys were
  not passed. Ids without a record, without a destination or no longer waiting only leave the
  due set.
  Events: ready
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include ready

local deliveriesKey, dueKey, destsKey, parkedKey, eventsKey, wakeKey, indexKey, readyCountKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local maxLen, limit = ARGV[1], tonumber(ARGV[2])
local groupOf = {}
for j = 1, #ARGV - 2 do groupOf[ARGV[2 + j]] = j end

local now = nowMs()
local ids = redis.call('ZRANGEBYSCORE', dueKey, '-inf', now, 'LIMIT', 0, limit)
local leaving, readyOf, unknown, seen, promotedIds = {}, {}, {}, {}, {}
local reader = budgetedReader(deliveriesKey)
for _, id in ipairs(ids) do
  -- Past the budget the rest stays due: the answer's nextDueAt (at most now) says so.
  if reader.spent() then break end
  local r = reader.record(id)
  local waiting = r and r.dest ~= '' and (r.state == 'scheduled' or r.state == 'retrying')
  local j = waiting and groupOf[r.dest]
  if not waiting then
    leaving[#leaving + 1] = id
  elseif j then
    leaving[#leaving + 1] = id
    readyOf[j] = readyOf[j] or {}
    table.insert(readyOf[j], id)
    promotedIds[#promotedIds + 1] = id
  elseif not seen[r.dest] then
    seen[r.dest] = true
    unknown[#unknown + 1] = r.dest
  end
end

-- Off the due set first: at Redis's memory limit a script is refused at its first write only
-- if that write may grow memory (ack.lua), and promotions must go on there, or delayed and
-- retrying messages would wait for memory that only their delivery frees.
if #leaving > 0 then redis.call('ZREM', dueKey, unpack(leaving)) end

-- One push per destination, and it joins the rotation and wakes a dispatcher once, as the
-- first of its deliveries would have made it do (see route.lua).
local promoted = 0
for j, list in pairs(readyOf) do
  local dest = ARGV[2 + j]
  redis.call('RPUSH', KEYS[7 + 2 * j], unpack(list))
  if joinRotation(destsKey, parkedKey, KEYS[8 + 2 * j], dest) ~= nil then wake(wakeKey, dest) end
  redis.call('ZADD', indexKey, now, dest)
  promoted = promoted + #list
end
countReady(readyCountKey, promoted)
-- One entry per EVENT_BATCH deliveries: an XADD per delivery was 13 % of the instructions Redis
-- spent promoting a delivery (by callgrind).
logEvents(eventsKey, maxLen, 'ready', promotedIds)

local first = redis.call('ZRANGE', dueKey, 0, 0, 'WITHSCORES')
local out = { now, first[2] and tonumber(first[2]) or -1, promoted }
for _, dest in ipairs(unknown) do out[#out + 1] = dest end
return out
