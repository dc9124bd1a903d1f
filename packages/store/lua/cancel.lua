--[[
  cancel — stops a delivery that has not started: scheduled, ready or waiting to retry.
  A ready one stays in its list and is dropped when a claim reaches it (O(1) here instead
  of a scan of the list).

  KEYS[1] state   KEYS[2] due   KEYS[3] done   KEYS[4] events

  ARGV[1] events max length
  ARGV[2] delivery id

  Returns 1; -1 unknown delivery; -3 it is in flight or finished already.
  Events: cancelled
]]
-- @include now
-- @include record
-- @include event

local stateKey, dueKey, doneKey, eventsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxLen, id = ARGV[1], ARGV[2]

local r = readRecord(stateKey, id)
if not r then return -1 end
if r.state ~= 'scheduled' and r.state ~= 'ready' and r.state ~= 'retrying' then return -3 end

local now = nowMs()
redis.call('ZREM', dueKey, id)
r.state, r.updatedAt = 'cancelled', now
writeRecord(stateKey, id, r)
redis.call('ZADD', doneKey, now, id)
logEvent(eventsKey, maxLen, 'cancelled', id)
return 1
