--[[
  dest-settings — changes a destination's settings: concurrency cap, rate (per second) and
  burst, paused, class (a label for metrics). A field given as null goes back to its default.
  Pausing takes the destination out of the rotation; resuming, or a new rate, lets it back in
  at once if it has ready work (unless it is waiting out a Retry-After). A rate and burst given
  again unchanged leave the limiter as it was.

  KEYS[1] dest:<dest>   KEYS[2] ready:<dest>   KEYS[3] dests   KEYS[4] parked
  KEYS[5] wake          KEYS[6] destinations

  ARGV[1] destination origin
  ARGV[2] the changes, a JSON object with any of concurrency, rate, burst, paused, class

  Returns the destination's hash after the change, as a flat field/value list.
  Events: none
]]
-- @include now
-- @include wake
-- @include rotation

local destKey, readyKey, destsKey, parkedKey, wakeKey, indexKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local dest, changes = ARGV[1], cjson.decode(ARGV[2])

local now = nowMs()
-- The pause first, out of the rotation before the flag: at Redis's memory limit a script is
-- refused at its first write only if that write may grow memory (ack.lua), and pausing a
-- destination is how an operator holds traffic back then.
if changes.paused == true then
  redis.call('ZREM', destsKey, dest)
  redis.call('HSET', destKey, 'paused', 1)
elseif changes.paused == false then
  redis.call('HDEL', destKey, 'paused')
end
-- Whether the change gives the rate or the burst another value, as the limiter reads them (no
-- burst is a burst of 1): one that repeats the same settings (a client putting them again)
-- leaves the limiter where it is.
local function paceChanges(field, default)
  local value = changes[field]
  if value == nil then return false end
  local new = value ~= cjson.null and tonumber(value) or default
  return new ~= (tonumber(redis.call('HGET', destKey, field)) or default)
end
local newPace = paceChanges('rate', nil) or paceChanges('burst', 1)

for _, field in ipairs({ 'concurrency', 'rate', 'burst', 'class' }) do
  local value = changes[field]
  if value == cjson.null then
    redis.call('HDEL', destKey, field)
  elseif value ~= nil then
    redis.call('HSET', destKey, field, value)
  end
end
if newPace then
  -- A new rate starts afresh, and a destination parked by the old one may send again.
  redis.call('HDEL', destKey, 'tat')
  local untilMs = tonumber(redis.call('HGET', destKey, 'until'))
  if not untilMs or untilMs <= now then
    redis.call('ZREM', parkedKey, dest)
  elseif redis.call('ZSCORE', parkedKey, dest) then
    -- Waiting out a Retry-After: until then, no longer until the old rate's next start (a
    -- park only ever moves later, so the shorter wait is written here).
    redis.call('ZADD', parkedKey, untilMs, dest)
  end
end
if redis.call('HGET', destKey, 'paused') ~= '1' and redis.call('LLEN', readyKey) > 0 then
  joinRotation(destsKey, parkedKey, destKey, dest)
  -- Even when it stays parked: its wait may be shorter now, and a claim tells a dispatcher so.
  wake(wakeKey, dest)
end
redis.call('ZADD', indexKey, now, dest)
return redis.call('HGETALL', destKey)
