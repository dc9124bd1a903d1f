--[[
  enqueue — accepts one delivery: stores it, then routes it to the due set (when it is due
  later) or to its destination's ready list (due now), logs it and wakes a dispatcher.

  KEYS[1] state           KEYS[2] msg              KEYS[3] due
  KEYS[4] ready:<dest>    KEYS[5] dests            KEYS[6] events
  KEYS[7] wake

  ARGV[1] events max length
  ARGV[2] delivery id
  ARGV[3] envelope: meta JSON, "\n", body
  ARGV[4] destination origin
  ARGV[5] max attempts (retries + 1)
  ARGV[6] delay in ms (0: no delay)
  ARGV[7] not-before, ms since the epoch (0: none)

  Returns 1 when ready now, 2 when scheduled; -4 when the id exists already.
  Events: accepted
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation

local stateKey, msgKey, dueKey, readyKey, destsKey, eventsKey, wakeKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local maxLen, id, envelope, dest = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxAttempts, delay, notBefore = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])

if redis.call('HEXISTS', stateKey, id) == 1 then
  return -4
end

local now = nowMs()
local dueAt = math.max(now + delay, notBefore)
local record = { state = 'ready', attempt = 0, maxAttempts = maxAttempts, free = 0,
                 createdAt = now, updatedAt = now, dest = dest }

redis.call('HSET', msgKey, id, envelope)
logEvent(eventsKey, maxLen, 'accepted', id)

if dueAt > now then
  record.state = 'scheduled'
  writeRecord(stateKey, id, record)
  redis.call('ZADD', dueKey, dueAt, id)
  return 2
end

writeRecord(stateKey, id, record)
redis.call('RPUSH', readyKey, id)
joinRotation(destsKey, dest)
wake(wakeKey)
return 1
