-- Every ready list of a shard is counted in one number, the shard's ready count (field `n` of
-- its ready-count hash), so that the queue's depth is one read however many destinations there
-- are (a destination at its concurrency cap or paused is in no other index). Whatever pushes
-- ids onto a ready list or pops them off it adds the change here, once per call for a batch.
-- The count is of list entries, as LLEN would give: an entry a claim will drop (cancelled)
-- counts until it does. ready-recount.lua makes it exact once for a keyspace that predates it.
local function countReady(countKey, change)
  if change ~= 0 then redis.call('HINCRBY', countKey, 'n', change) end
end
