-- A delivery's status trail is a JSON array of attempt records (JSON objects). `trail` with
-- `attemptJson` added at its end; a new trail when there is none (`trail` false or nil).
local function withAttempt(trail, attemptJson)
  if not trail then return '[' .. attemptJson .. ']' end
  return string.sub(trail, 1, -2) .. ',' .. attemptJson .. ']'
end

-- Appends one attempt record to the delivery's status trail. Most deliveries succeed at the
-- first attempt, so the new trail is tried first (one call).
local function appendAttempt(attemptsKey, id, attemptJson)
  if redis.call('HSETNX', attemptsKey, id, withAttempt(nil, attemptJson)) == 1 then return end
  redis.call('HSET', attemptsKey, id, withAttempt(redis.call('HGET', attemptsKey, id), attemptJson))
end

-- The same for many deliveries at once (one read, one write): `ids` and `attemptJsons` are
-- parallel lists.
local function appendAttempts(attemptsKey, ids, attemptJsons)
  if #ids == 0 then return end
  local trails = redis.call('HMGET', attemptsKey, unpack(ids))
  local fields = {}
  for x, id in ipairs(ids) do
    fields[#fields + 1] = id
    fields[#fields + 1] = withAttempt(trails[x], attemptJsons[x])
  end
  redis.call('HSET', attemptsKey, unpack(fields))
end
