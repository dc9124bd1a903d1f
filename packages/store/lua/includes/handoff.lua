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
