-- Hand-off: a delivery that arrives while a dispatcher waits for work is leased on arrival and
-- pushed to the shard's handoff list, which waiting dispatchers block on beside the wake-up
-- lists. The entry holds all a dispatcher needs to send it, so the claim's round trip is saved:
--   id|attempt|dest, "\n", envelope
-- Ids and origins cannot contain '|' or a newline. Readers: src/handoff.ts (a dispatcher's
-- wait) and claim.lua (an entry no waiting dispatcher took). See
-- docs/decisions/0006-hand-off-to-a-waiting-dispatcher.md.
--
-- A waiting dispatcher registers in the shard's waiting set as "leaseMs|cap|instance": its
-- lease length and the concurrency cap of a destination without one of its own.

-- @include lease

-- How long a handoff list lives after its first entry. Whatever it holds is taken at once
-- while any dispatcher waits or claims; entries left longer (every dispatcher is down) are
-- dropped with the list, and their leases expire as any other. It keeps a taken entry's lease
-- at least this much short of whole, which the dispatchers' configuration allows for (a lease
-- outlasts the longest attempt by 5 s). The dispatcher counts on it too: src/handoff.ts holds
-- the same number.
local HANDOFF_TTL_MS = 5000

-- A waiting dispatcher, or nil.
local function findWaiter(waitingKey)
  local member = redis.call('SRANDMEMBER', waitingKey)
  if not member then return nil end
  local leaseMs, cap = string.match(member, '^(%d+)|(%d+)|')
  if not leaseMs then return nil end
  return { member = member, leaseMs = tonumber(leaseMs), cap = tonumber(cap) }
end

-- The lease (lease.lua) is already written; this hands the delivery over under `attempt` and
-- takes the dispatcher's registration (one hand-off per wait).
local function handOff(waitingKey, handoffKey, waiter, id, attempt, r)
  redis.call('SREM', waitingKey, waiter.member)
  local entry = string.format('%s|%d|%s\n', id, attempt, r.dest) .. r.envelope
  if redis.call('RPUSH', handoffKey, entry) == 1 then redis.call('PEXPIRE', handoffKey, HANDOFF_TTL_MS) end
end

-- The id, attempt and destination of an entry (nil when malformed).
local function parseHandoff(entry)
  local id, attempt, dest = string.match(entry, '^([^|\n]+)|(%d+)|([^\n]+)\n')
  return id, tonumber(attempt), dest
end

-- Leases anew the entries no waiting dispatcher took, up to `limit` (the claim's): still leased
-- and counted against their destinations, they go out first, under a fresh expiry. One whose
-- lease was lost meanwhile (taken back, or leased again under a newer attempt) is dropped. `k`
-- holds the keys handoff, deliveries, inflight and leases. Appends (id, attempt, dest, stored
-- field) to `leased`, the field whole and unparsed (the entry names the destination); answers
-- how many it took.
local function takeLeftovers(k, limit, expiry, leased)
  local entries = redis.call('LPOP', k.handoff, limit)
  if not entries then return 0 end
  local ids, attempts, dests = {}, {}, {}
  for _, entry in ipairs(entries) do
    local id, attempt, dest = parseHandoff(entry)
    if id then
      ids[#ids + 1] = id
      attempts[#ids] = attempt
      dests[#ids] = dest
    end
  end
  if #ids == 0 then return 0 end
  local raws = redis.call('HMGET', k.deliveries, unpack(ids))
  local held = redis.call('HMGET', k.inflight, unpack(ids))
  local expiries, taken = {}, 0
  for x, id in ipairs(ids) do
    if raws[x] and leaseHeld(held[x], attempts[x]) then
      expiries[#expiries + 1] = expiry
      expiries[#expiries + 1] = id
      leased[#leased + 1] = id
      leased[#leased + 1] = attempts[x]
      leased[#leased + 1] = dests[x]
      leased[#leased + 1] = raws[x]
      taken = taken + 1
    end
  end
  if taken > 0 then redis.call('ZADD', k.leases, unpack(expiries)) end
  return taken
end
