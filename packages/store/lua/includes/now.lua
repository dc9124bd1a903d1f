-- The current time in milliseconds, from the Redis clock: no decision depends on a
-- service's own clock, so replicas with skewed clocks still agree.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
