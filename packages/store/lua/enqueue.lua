--[[
  enqueue — accepts one delivery: stores it and routes it to the due set (when it is due
  later) or its destination's ready list (due now) — or, when an earlier delivery with the
  same ordering key has not finished, behind it. Counts it in its tenant's backlog.

  KEYS[1] deliveries   KEYS[2] due      KEYS[3] ready:<dest>   KEYS[4] dests
  KEYS[5] parked       KEYS[6] dest:<dest>   KEYS[7] events    KEYS[8] wake
  KEYS[9] backlog      KEYS[10] destinations
  KEYS[11] order:<dest>:<tenant>:<key>   (only with an ordering key)

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] envelope: meta JSON, "\n", body
  ARGV[4] destination origin
  ARGV[5] max attempts (retries + 1)
  ARGV[6] delay in ms (0: no delay)
  ARGV[7] not-before, ms since the epoch (0: none)
  ARGV[8] tenant
  ARGV[9] ordering key ('' for none)

  Returns 1 ready, 2 scheduled, 3 waiting behind its ordering key; -4 the id exists already.
  Events: accepted
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include route

local k = { deliveries = KEYS[1], due = KEYS[2], ready = KEYS[3], dests = KEYS[4], parked = KEYS[5],
            dest = KEYS[6], wake = KEYS[8] }
local eventsKey, backlogKey, indexKey, orderKey = KEYS[7], KEYS[9], KEYS[10], KEYS[11]
local maxLen, id, envelope, dest = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxAttempts, delay, notBefore = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local tenant, orderingKey = ARGV[8], ARGV[9]

if redis.call('HEXISTS', k.deliveries, id) == 1 then
  return -4
end

local now = nowMs()
local dueAt = math.max(now + delay, notBefore)
if dueAt <= now then dueAt = 0 end
local r = { state = 'waiting', attempt = 0, maxAttempts = maxAttempts, free = 0, createdAt = now,
            updatedAt = now, dueAt = dueAt, dest = dest, tenant = tenant, orderingKey = orderingKey,
            envelope = envelope }

redis.call('HINCRBY', backlogKey, tenant, 1)
redis.call('ZADD', indexKey, now, dest)
logEvent(eventsKey, maxLen, 'accepted', id)

if orderKey and redis.call('RPUSH', orderKey, id) > 1 then
  writeRecord(k.deliveries, id, r)
  return 3
end
return route(k, id, r, now) == 'ready' and 1 or 2
