--[[
  promote — moves due deliveries (delay over, back-off over) to their destinations' ready
  lists. Each id is checked again here, so a stale scan or a second scheduler is harmless.

  KEYS[1] state   KEYS[2] due   KEYS[3] dests   KEYS[4] events   KEYS[5] wake
  KEYS[5+j] ready:<dest j>      (j = 1..m)

  ARGV[1] events max length
  ARGV[3i-1], ARGV[3i], ARGV[3i+1]: delivery id, j of its ready list, its destination
    (j = 0 for an id without a record, which is only dropped from the due set)

  Returns the number of deliveries promoted.
  Events: ready
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation

local stateKey, dueKey, destsKey, eventsKey, wakeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local maxLen = ARGV[1]

local now = nowMs()
local promoted = 0
for i = 2, #ARGV, 3 do
  local id, j, dest = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local dueAt = redis.call('ZSCORE', dueKey, id)
  if dueAt and tonumber(dueAt) <= now then
    redis.call('ZREM', dueKey, id)
    local r = readRecord(stateKey, id)
    if j > 0 and r and (r.state == 'scheduled' or r.state == 'retrying') then
      r.state, r.updatedAt = 'ready', now
      writeRecord(stateKey, id, r)
      redis.call('RPUSH', KEYS[5 + j], id)
      joinRotation(destsKey, dest)
      logEvent(eventsKey, maxLen, 'ready', id)
      promoted = promoted + 1
    end
  end
end

if promoted > 0 then wake(wakeKey) end
return promoted
