--[[
  dest-prune — forgets destinations that have been idle for longer than the given time, by
  Redis's clock (the activity scores are Redis times), and carry nothing worth keeping: no
  settings, nothing in flight, no ready work. Their runtime state (last error, Retry-After
  time, rate state) goes with them, so the list of destinations and its memory stay bounded.
  Each one is checked again here.

  KEYS[1] destinations
  KEYS[2j] dest:<dest j>   KEYS[2j+1] ready:<dest j>     (j = 1..m)

  ARGV[1] idle time in ms: last activity longer ago than this
  ARGV[1+j] destination origin j

  Returns the number forgotten.
  Events: none
]]
-- @include now

local indexKey, cutoff = KEYS[1], nowMs() - tonumber(ARGV[1])
local forgotten = 0
for j = 1, #ARGV - 1 do
  local dest, destKey, readyKey = ARGV[1 + j], KEYS[2 * j], KEYS[2 * j + 1]
  local seen = tonumber(redis.call('ZSCORE', indexKey, dest))
  if seen and seen <= cutoff and redis.call('LLEN', readyKey) == 0 then
    local f = redis.call('HMGET', destKey, 'concurrency', 'rate', 'burst', 'paused', 'class', 'inflight')
    if not (f[1] or f[2] or f[3] or f[4] or f[5] or f[6]) then
      redis.call('DEL', destKey)
      redis.call('ZREM', indexKey, dest)
      forgotten = forgotten + 1
    end
  end
end
return forgotten
