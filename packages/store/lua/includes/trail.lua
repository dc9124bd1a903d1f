-- Appends one attempt record (a JSON object) to the delivery's status trail (a JSON array).
-- Most deliveries succeed at the first attempt, so the new trail is tried first (one call).
local function appendAttempt(attemptsKey, id, attemptJson)
  if redis.call('HSETNX', attemptsKey, id, '[' .. attemptJson .. ']') == 1 then return end
  local trail = redis.call('HGET', attemptsKey, id)
  redis.call('HSET', attemptsKey, id, string.sub(trail, 1, -2) .. ',' .. attemptJson .. ']')
end

-- The same for many deliveries at once (one read, one write): `ids` and `attemptJsons` are
-- parallel lists.
local function appendAttempts(attemptsKey, ids, attemptJsons)
  if #ids == 0 then return end
  local trails = redis.call('HMGET', attemptsKey, unpack(ids))
  local fields = {}
  for x, id in ipairs(ids) do
    local trail = trails[x]
    fields[#fields + 1] = id
    fields[#fields + 1] = trail and (string.sub(trail, 1, -2) .. ',' .. attemptJsons[x] .. ']') or ('[' .. attemptJsons[x] .. ']')
  end
  redis.call('HSET', attemptsKey, unpack(fields))
end
