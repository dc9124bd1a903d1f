-- Appends one lifecycle event to the shard's stream, trimmed approximately (whole nodes),
-- which costs a few percent where exact trimming would cost several times more.
local function logEvent(eventsKey, maxLen, kind, id, attempt)
  if attempt then
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', 'e', kind, 'id', id, 'a', attempt)
  else
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', 'e', kind, 'id', id)
  end
end
