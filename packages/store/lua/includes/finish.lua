-- Takes `count` deliveries off a tenant's backlog; the field goes at zero.
local function leaveBacklog(backlogKey, tenant, count)
  if redis.call('HINCRBY', backlogKey, tenant, -count) <= 0 then
    redis.call('HDEL', backlogKey, tenant)
  end
end

-- Bookkeeping when a delivery reaches a terminal state (delivered, failed, cancelled): it
-- starts its retention period, leaves its tenant's backlog and, if it has an ordering key,
-- lets the next delivery with that key start. `k` holds the keys: done, backlog, order
-- (absent without an ordering key), and what `route` needs. A batch passes `batch`, with
-- `done` (a flat score, id list for one ZADD), `leaving` (a tenant -> count table) and
-- optionally `at` (`now` as decimal text, the score: lease.lua's decimal), and settles both
-- lists once at the end.
local function finish(k, id, r, now, batch)
  if batch then
    batch.done[#batch.done + 1] = batch.at or now
    batch.done[#batch.done + 1] = id
    batch.leaving[r.tenant] = (batch.leaving[r.tenant] or 0) + 1
  else
    redis.call('ZADD', k.done, now, id)
    leaveBacklog(k.backlog, r.tenant, 1)
  end
  if r.orderingKey == '' or not k.order then return end
  if redis.call('LINDEX', k.order, 0) ~= id then
    -- Not the head (cancelled while waiting): the sequence goes on as it was.
    redis.call('LREM', k.order, 1, id)
    return
  end
  redis.call('LPOP', k.order)
  local nextId = redis.call('LINDEX', k.order, 0)
  while nextId do
    local nr = readRecord(k.deliveries, nextId)
    if nr then
      route(k, nextId, nr, now)
      return
    end
    redis.call('LPOP', k.order)
    nextId = redis.call('LINDEX', k.order, 0)
  end
end
