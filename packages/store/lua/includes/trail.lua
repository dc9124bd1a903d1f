-- Appends one attempt record (a JSON object) to the delivery's status trail (a JSON array).
-- Most deliveries succeed at the first attempt, so the new trail is tried first (one call).
local function appendAttempt(attemptsKey, id, attemptJson)
  if redis.call('HSETNX', attemptsKey, id, '[' .. attemptJson .. ']') == 1 then return end
  local trail = redis.call('HGET', attemptsKey, id)
  redis.call('HSET', attemptsKey, id, string.sub(trail, 1, -2) .. ',' .. attemptJson .. ']')
end
