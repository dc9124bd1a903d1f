-- Leaves a wake-up token for idle dispatchers blocked on the list. One token is enough:
-- whoever takes it claims, and leaves another if work remains. The token names a destination
-- with ready work, so the woken dispatcher can claim from it without asking the rotation first.
local function wake(wakeKey, dest)
  if redis.call('LLEN', wakeKey) == 0 then
    redis.call('RPUSH', wakeKey, dest)
  end
end
