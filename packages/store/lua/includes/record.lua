-- A delivery is one field of the shard's deliveries hash: its record on the first line, then
-- what it sends (the envelope: meta JSON, a newline, the body verbatim). One field instead of
-- two saves a hash entry per delivery.
--   state|attempt|maxAttempts|free|createdAt|updatedAt|dueAt|dest|tenant|orderingKey
-- `attempt` counts claims whose lease has ended; while a delivery is leased, the attempt it is
-- leased under lives in the shard's inflight hash instead (lease.lua), and the record is not
-- rewritten until the lease ends. `free` counts claims that spent no retry: a lost lease,
-- a release at shutdown, a wait the destination asked for (Retry-After). `dueAt` is when it
-- may start (0: at once). Origins and tenants cannot contain '|' or a newline; ordering keys
-- are refused with either.
--
-- The envelope is about a kilobyte, and every string Lua makes is hashed byte by byte, so it
-- is not cut out of the field unless a writer needs it: a parsed record keeps the field whole
-- (`raw`) and where its envelope starts.

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
           raw = raw, envelopeAt = newline + 1 }
end

-- The attempt of a stored field that may be claimed at `now`, read without parsing the rest: its
-- record is ready, or scheduled or retrying and promoted (decision 0008: its id has left the due
-- set). Nil when absent, in another state, or still in the due set: the id in the ready list is
-- then a stale copy, and the delivery waits for its promotion. A record past its due time is
-- taken without looking at the due set, as nearly every promoted one is; one not due yet by
-- `now` is looked up, because Redis's clock can step back after a promotion (an NTP step, a
-- failover to a replica a little behind) and dropping the id would lose the delivery.
local function readyAttempt(raw, id, dueKey, now)
  if not raw then return nil end
  local state, attempt, dueAt = string.match(raw, '^([%a_]+)|(%d+)|%d+|%d+|%d+|%d+|(%d+)|')
  if state == 'ready' then return tonumber(attempt) end
  if state ~= 'scheduled' and state ~= 'retrying' then return nil end
  if tonumber(dueAt) <= now or not redis.call('ZSCORE', dueKey, id) then return tonumber(attempt) end
  return nil
end

-- The envelope as stored, or as a writer replaced it.
local function envelopeOf(r)
  return r.envelope or string.sub(r.raw, r.envelopeAt)
end

-- Keeps the envelope's metadata and drops its body: a delivered message is never sent again,
-- and its status shows only the metadata. Saves most of its memory while it is retained.
local function dropBody(r)
  local metaEnd = string.find(r.raw, '\n', r.envelopeAt, true)
  if metaEnd then r.envelope = string.sub(r.raw, r.envelopeAt, metaEnd) end
end

local function formatRecord(r)
  return string.format('%s|%d|%d|%d|%s|%d|%d|%s|%s|%s\n',
    r.state, r.attempt, r.maxAttempts, r.free, r.createdAt, r.updatedAt, r.dueAt, r.dest, r.tenant, r.orderingKey)
    .. envelopeOf(r)
end

-- Most bytes of stored fields a housekeeping call (promote, lease-scan) reads before it stops
-- and leaves the rest to its next call: Lua hashes every byte of a string it is handed (about
-- 1.3 µs a kilobyte), so a batch of 500 deliveries of 1 MiB would hold Redis for half a second.
local READ_BUDGET_BYTES = 4194304

-- Reads records as readRecord does, counting the bytes read: `spent()` says when the call has
-- read past READ_BUDGET_BYTES and should leave the rest to its next call.
local function budgetedReader(deliveriesKey)
  local read = 0
  return {
    record = function(id)
      local raw = redis.call('HGET', deliveriesKey, id)
      if raw then read = read + #raw end
      return parseRecord(raw)
    end,
    spent = function() return read > READ_BUDGET_BYTES end,
  }
end

local function readRecord(deliveriesKey, id)
  return parseRecord(redis.call('HGET', deliveriesKey, id))
end

local function writeRecord(deliveriesKey, id, r)
  redis.call('HSET', deliveriesKey, id, formatRecord(r))
end
