-- A lease: a delivery is in flight while its id is in the shard's leases set (score: expiry)
-- and its inflight hash holds "attempt|leasedAt": the attempt it is leased under, which is
-- also the lease token (every claim takes the record's attempt + 1, so an older holder's
-- token no longer matches), and when it was leased. The record itself is not touched by a
-- claim: rewriting a kilobyte field is the largest cost a claim would have. Whatever ends
-- the lease (ack, retry, defer, release, reap) writes the record with the attempt and removes
-- both entries.

-- Numbers go to Redis as decimal text made once: Lua would turn each number it passes to a
-- command into text with a float format ('%.14g'), which costs more than the lease's writes.
local function decimal(n)
  return string.format('%d', n)
end

-- The attempt and lease time of an inflight entry, or nil.
local function parseLease(entry)
  if not entry then return nil end
  local attempt, leasedAt = string.match(entry, '^(%d+)|(%d+)$')
  if not attempt then return nil end
  return tonumber(attempt), tonumber(leasedAt)
end

-- Records that `ids` are leased under `attempts` (parallel lists, each attempt as decimal
-- text) from `now` until `expiry`.
local function startLeases(leasesKey, inflightKey, ids, attempts, now, expiry)
  if #ids == 0 then return end
  local expiryText, since = decimal(expiry), '|' .. decimal(now)
  local scores, entries = {}, {}
  for x, id in ipairs(ids) do
    scores[#scores + 1] = expiryText
    scores[#scores + 1] = id
    entries[#entries + 1] = id
    entries[#entries + 1] = attempts[x] .. since
  end
  redis.call('ZADD', leasesKey, unpack(scores))
  redis.call('HSET', inflightKey, unpack(entries))
end

local function endLeases(leasesKey, inflightKey, ids)
  if #ids == 0 then return end
  redis.call('ZREM', leasesKey, unpack(ids))
  redis.call('HDEL', inflightKey, unpack(ids))
end

-- Whether an inflight entry (as read, false when absent) is a lease under `token`: not once the
-- lease expired and was taken back, or a newer claim has it.
local function leaseHeld(entry, token)
  return token ~= nil and parseLease(entry) == token
end

-- The same for one delivery, read here.
local function holdsLease(inflightKey, id, token)
  return leaseHeld(redis.call('HGET', inflightKey, id), token)
end
