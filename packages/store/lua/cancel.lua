--[[
  cancel — stops a delivery that has not started: waiting behind its ordering key,
  scheduled, ready or waiting to retry. A ready one stays in its list and is dropped when a
  claim reaches it (O(1) here instead of a scan of the list). Cancelling the head of an
  ordering key lets the next one start.

  KEYS[1] deliveries    KEYS[2] due      KEYS[3] done     KEYS[4] events
  KEYS[5] backlog  KEYS[6] ready:<dest>   KEYS[7] dests   KEYS[8] parked
  KEYS[9] dest:<dest>   KEYS[10] wake    KEYS[11] inflight   KEYS[12] ready count
  KEYS[13] order:<dest>:<tenant>:<key>   (only with an ordering key)

  ARGV[1] events max length
  ARGV[2] delivery id

  Returns 1; -1 unknown delivery; -3 it is in flight or finished already.
  Events: cancelled; ready | scheduled for the next delivery of its ordering key
          (includes/route.lua)
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include route
-- @include finish

local eventsKey, inflightKey = KEYS[4], KEYS[11]
local maxLen, id = ARGV[1], ARGV[2]
local k = { deliveries = KEYS[1], due = KEYS[2], done = KEYS[3], backlog = KEYS[5], ready = KEYS[6],
            dests = KEYS[7], parked = KEYS[8], dest = KEYS[9], wake = KEYS[10], readyCount = KEYS[12],
            order = KEYS[13], events = eventsKey, eventsMaxLen = maxLen }

local r = readRecord(k.deliveries, id)
if not r then return -1 end
local s = r.state
if s ~= 'scheduled' and s ~= 'ready' and s ~= 'retrying' and s ~= 'waiting' then return -3 end
-- Leased: its record still says ready (or scheduled or retrying, once promoted) until the lease
-- ends (lease.lua).
if redis.call('HEXISTS', inflightKey, id) == 1 then return -3 end

local now = nowMs()
redis.call('ZREM', k.due, id)
r.state, r.updatedAt = 'cancelled', now
writeRecord(k.deliveries, id, r)
logEvent(eventsKey, maxLen, 'cancelled', id)
finish(k, id, r, now)
return 1
