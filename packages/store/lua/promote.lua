--[[
  promote — moves due deliveries (delay over, back-off over) to their destinations' ready
  lists. Each id is checked again here, so a stale scan or a second scheduler is harmless.

  KEYS[1] deliveries   KEYS[2] due    KEYS[3] dests   KEYS[4] parked
  KEYS[5] events  KEYS[6] wake
  KEYS[5+2j] ready:<dest j>      KEYS[6+2j] dest:<dest j>      (j = 1..m)

  ARGV[1] events max length
  ARGV[2i], ARGV[2i+1]: delivery id, j of its destination's keys (0: no record; the id is
    only dropped from the due set)

  Returns the number of deliveries promoted.
  Events: ready
]]
-- @include now
-- @include record
-- @include event
-- @include wake
-- @include rotation
-- @include route

local deliveriesKey, dueKey, eventsKey = KEYS[1], KEYS[2], KEYS[5]
local maxLen = ARGV[1]

local now = nowMs()
local promoted = 0
for i = 2, #ARGV, 2 do
  local id, j = ARGV[i], tonumber(ARGV[i + 1])
  local dueAt = redis.call('ZSCORE', dueKey, id)
  if dueAt and tonumber(dueAt) <= now then
    redis.call('ZREM', dueKey, id)
    local r = readRecord(deliveriesKey, id)
    if j > 0 and r and (r.state == 'scheduled' or r.state == 'retrying') then
      local k = { deliveries = deliveriesKey, due = dueKey, dests = KEYS[3], parked = KEYS[4], wake = KEYS[6],
                  ready = KEYS[5 + 2 * j], dest = KEYS[6 + 2 * j] }
      r.dueAt = 0
      route(k, id, r, now)
      logEvent(eventsKey, maxLen, 'ready', id)
      promoted = promoted + 1
    end
  end
end
return promoted
