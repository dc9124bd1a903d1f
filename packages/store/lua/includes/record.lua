-- A delivery's mutable state, packed into one field of the shard's state hash:
--   state|attempt|maxAttempts|free|createdAt|updatedAt|dest
-- `attempt` counts claims (it is also the lease token: each claim bumps it, so an older
-- holder's token no longer matches). `free` counts claims that spent no retry: a lost lease
-- or a release at shutdown.
local function readRecord(stateKey, id)
  local raw = redis.call('HGET', stateKey, id)
  if not raw then return nil end
  local s, a, m, f, c, u, d = string.match(raw, '^([%a_]+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')
  if not s then return nil end
  return { state = s, attempt = tonumber(a), maxAttempts = tonumber(m), free = tonumber(f),
           createdAt = c, updatedAt = u, dest = d }
end

local function writeRecord(stateKey, id, r)
  redis.call('HSET', stateKey, id, string.format('%s|%d|%d|%d|%s|%d|%s',
    r.state, r.attempt, r.maxAttempts, r.free, r.createdAt, r.updatedAt, r.dest))
end
