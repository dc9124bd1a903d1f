-- Leaves a wake-up token for idle dispatchers blocked on the list. One token is enough:
-- whoever takes it claims, and leaves another if work remains.
local function wake(wakeKey)
  if redis.call('LLEN', wakeKey) == 0 then
    redis.call('RPUSH', wakeKey, '1')
  end
end
