-- Appends one attempt record (a JSON object) to the delivery's status trail (a JSON array).
local function appendAttempt(attemptsKey, id, attemptJson)
  local trail = redis.call('HGET', attemptsKey, id)
  if trail then
    redis.call('HSET', attemptsKey, id, string.sub(trail, 1, -2) .. ',' .. attemptJson .. ']')
  else
    redis.call('HSET', attemptsKey, id, '[' .. attemptJson .. ']')
  end
end
