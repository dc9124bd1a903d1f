-- A delivery's mutable state, packed into one field of the shard's state hash:
--   state|attempt|maxAttempts|free|createdAt|updatedAt|dueAt|dest|tenant|orderingKey
-- `attempt` counts claims (it is also the lease token: each claim bumps it, so an older
-- holder's token no longer matches). `free` counts claims that spent no retry: a lost lease,
-- a release at shutdown, a wait the destination asked for (Retry-After). `dueAt` is when it
-- may start (0: at once). Destination origins and tenants cannot contain '|'; ordering keys
-- are refused with it.
local function readRecord(stateKey, id)
  local raw = redis.call('HGET', stateKey, id)
  if not raw then return nil end
  local s, a, m, f, c, u, due, d, t, k = string.match(raw,
    '^([%a_]+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|([^|]*)|([^|]*)|(.*)$')
  if not s then return nil end
  return { state = s, attempt = tonumber(a), maxAttempts = tonumber(m), free = tonumber(f),
           createdAt = c, updatedAt = u, dueAt = tonumber(due), dest = d, tenant = t, orderingKey = k }
end

local function writeRecord(stateKey, id, r)
  redis.call('HSET', stateKey, id, string.format('%s|%d|%d|%d|%s|%d|%d|%s|%s|%s',
    r.state, r.attempt, r.maxAttempts, r.free, r.createdAt, r.updatedAt, r.dueAt, r.dest, r.tenant, r.orderingKey))
end
