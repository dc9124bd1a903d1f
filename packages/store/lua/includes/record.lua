-- A delivery is one field of the shard's deliveries hash: its mutable record on the first
-- line, then what it sends (the envelope: meta JSON, a newline, the body verbatim). One field
-- instead of two saves a hash entry per delivery; rewriting the envelope with the record is a
-- copy of about a kilobyte, cheaper than the memory.
--   state|attempt|maxAttempts|free|createdAt|updatedAt|dueAt|dest|tenant|orderingKey
-- `attempt` counts claims (it is also the lease token: each claim bumps it, so an older
-- holder's token no longer matches). `free` counts claims that spent no retry: a lost lease,
-- a release at shutdown, a wait the destination asked for (Retry-After). `dueAt` is when it
-- may start (0: at once). Origins and tenants cannot contain '|' or a newline; ordering keys
-- are refused with either.
-- Parses a stored field (nil when absent or malformed).
local function parseRecord(raw)
  if not raw then return nil end
  local newline = string.find(raw, '\n', 1, true)
  if not newline then return nil end
  local s, a, m, f, c, u, due, d, t, k = string.match(string.sub(raw, 1, newline - 1),
    '^([%a_]+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|([^|]*)|([^|]*)|(.*)$')
  if not s then return nil end
  return { state = s, attempt = tonumber(a), maxAttempts = tonumber(m), free = tonumber(f),
           createdAt = c, updatedAt = u, dueAt = tonumber(due), dest = d, tenant = t, orderingKey = k,
           envelope = string.sub(raw, newline + 1) }
end

local function formatRecord(r)
  return string.format('%s|%d|%d|%d|%s|%d|%d|%s|%s|%s\n',
    r.state, r.attempt, r.maxAttempts, r.free, r.createdAt, r.updatedAt, r.dueAt, r.dest, r.tenant, r.orderingKey)
    .. r.envelope
end

local function readRecord(deliveriesKey, id)
  return parseRecord(redis.call('HGET', deliveriesKey, id))
end

local function writeRecord(deliveriesKey, id, r)
  redis.call('HSET', deliveriesKey, id, formatRecord(r))
end
