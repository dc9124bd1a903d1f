-- The destinations with ready work form a rotation: a sorted set whose order is the order in
-- which claims serve them. Scores are a sequence, not times, so ties cannot reorder it.
-- A destination joins, and goes back after being served, behind the last one.
local function backOfRotation(destsKey)
  local last = redis.call('ZRANGE', destsKey, -1, -1, 'WITHSCORES')
  if last[2] then return tonumber(last[2]) + 1 end
  return 1
end

local function joinRotation(destsKey, dest)
  if not redis.call('ZSCORE', destsKey, dest) then
    redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
  end
end
