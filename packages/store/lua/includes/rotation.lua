-- The destinations that may be served now form a rotation: a sorted set whose order is the
-- order in which claims serve them. Scores are a sequence, not times, so ties cannot reorder
-- it. A destination joins, and goes back after being served, behind the last one.
-- Paused destinations stay out until resumed; parked ones (waiting out a Retry-After or a
-- rate limit) until a claim finds their time has come.
local function backOfRotation(destsKey)
  local last = redis.call('ZRANGE', destsKey, -1, -1, 'WITHSCORES')
  if last[2] then return tonumber(last[2]) + 1 end
  return 1
end

-- Puts back in the rotation the parked destinations whose time has come (a hundred at most).
local function rejoinParked(destsKey, parkedKey, now)
  for _, dest in ipairs(redis.call('ZRANGEBYSCORE', parkedKey, '-inf', now, 'LIMIT', 0, 100)) do
    redis.call('ZREM', parkedKey, dest)
    if not redis.call('ZSCORE', destsKey, dest) then
      redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
    end
  end
end

-- Answers true when the destination was not in the rotation and now is, false when it was in
-- it already or is parked, and nil when it is paused: waking a dispatcher for a paused one
-- would only cost an empty claim (resuming wakes one). A parked one still wakes a dispatcher,
-- whose claim learns when it may send: nothing else may have told one (a park on arrival in
-- arrival.lua, a Retry-After in defer.lua).
local function joinRotation(destsKey, parkedKey, destKey, dest)
  if redis.call('ZSCORE', destsKey, dest) then return false end
  if redis.call('ZSCORE', parkedKey, dest) then return false end
  if redis.call('HGET', destKey, 'paused') == '1' then return nil end
  redis.call('ZADD', destsKey, backOfRotation(destsKey), dest)
  return true
end

-- Takes a destination out of the rotation until `untilMs` (it stays parked longer if it was
-- parked for longer already).
local function park(destsKey, parkedKey, dest, untilMs)
  redis.call('ZREM', destsKey, dest)
  redis.call('ZADD', parkedKey, 'GT', untilMs, dest)
end

-- The destination asked to be left alone until `untilMs` (a Retry-After): it is parked until
-- then, or until a later time it asked for already, and `until` says so to the API.
local function holdDestination(destsKey, parkedKey, destKey, dest, untilMs)
  local current = tonumber(redis.call('HGET', destKey, 'until'))
  if not current or current < untilMs then
    redis.call('HSET', destKey, 'until', untilMs)
  end
  park(destsKey, parkedKey, dest, untilMs)
end
