--[[
  enqueue — accepts deliveries, a batch at a time: stores each and routes it to the due set
  (when it is due later) or its destination's ready list (due now) — or, when an earlier
  delivery with the same ordering key has not finished, behind it. Counts each in its
  tenant's backlog. Each item is checked on its own; a duplicate id does not stop the others.

  KEYS[1] deliveries   KEYS[2] due      KEYS[3] dests    KEYS[4] parked
  KEYS[5] events       KEYS[6] wake     KEYS[7] backlog  KEYS[8] destinations
  KEYS[6+3j] ready:<dest j>   KEYS[7+3j] dest:<dest j>   KEYS[8+3j] order:<dest j>:<tenant>:<key>
    (j = 1..m, one triple per destination, tenant and ordering key; the order key is only
    written for deliveries with an ordering key)

  ARGV[1] events max length
  then nine per delivery:
    id, envelope (meta JSON, "\n", body), destination origin, max attempts (retries + 1),
    delay in ms (0: none), not-before in ms since the epoch (0: none), tenant,
    ordering key ('' for none), j of its keys

  Returns one code per delivery, in order: 1 ready, 2 scheduled, 3 waiting behind its ordering
  key; -4 the id exists already (nothing written for it).
  Events: accepted
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include route

local deliveriesKey, dueKey, destsKey, parkedKey, eventsKey, wakeKey, backlogKey, indexKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local maxLen = ARGV[1]

local now = nowMs()
local groups, results = {}, {}
for i = 2, #ARGV, 9 do
  local id, envelope, dest = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local maxAttempts, delay, notBefore = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
  local tenant, orderingKey, j = ARGV[i + 6], ARGV[i + 7], tonumber(ARGV[i + 8])

  if redis.call('HEXISTS', deliveriesKey, id) == 1 then
    results[#results + 1] = -4
  else
    local k = groups[j]
    if not k then
      k = { deliveries = deliveriesKey, due = dueKey, dests = destsKey, parked = parkedKey, wake = wakeKey,
            ready = KEYS[6 + 3 * j], dest = KEYS[7 + 3 * j], order = KEYS[8 + 3 * j] }
      groups[j] = k
      redis.call('ZADD', indexKey, now, dest)
    end
    local dueAt = math.max(now + delay, notBefore)
    if dueAt <= now then dueAt = 0 end
    local r = { state = 'waiting', attempt = 0, maxAttempts = maxAttempts, free = 0, createdAt = now,
                updatedAt = now, dueAt = dueAt, dest = dest, tenant = tenant, orderingKey = orderingKey,
                envelope = envelope }
    redis.call('HINCRBY', backlogKey, tenant, 1)
    logEvent(eventsKey, maxLen, 'accepted', id)
    if orderingKey ~= '' and redis.call('RPUSH', k.order, id) > 1 then
      writeRecord(deliveriesKey, id, r)
      results[#results + 1] = 3
    else
      results[#results + 1] = route(k, id, r, now) == 'ready' and 1 or 2
    end
  end
end
return results
