-- Appends one lifecycle event to the shard's stream, trimmed approximately (whole nodes),
-- which costs a few percent where exact trimming would cost several times more.
local function logEvent(eventsKey, maxLen, kind, id, attempt)
  if attempt then
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', 'e', kind, 'id', id, 'a', attempt)
  else
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', 'e', kind, 'id', id)
  end
end

-- Appends one event for many deliveries (a batch's worth) as a single entry: `e`, then `id`
-- and `a` repeated per delivery. `pairs` is a flat list: id, attempt, id, attempt, ...
local function logEvents(eventsKey, maxLen, kind, pairs)
  if #pairs == 0 then return end
  local fields = { 'e', kind }
  for i = 1, #pairs, 2 do
    fields[#fields + 1] = 'id'
    fields[#fields + 1] = pairs[i]
    fields[#fields + 1] = 'a'
    fields[#fields + 1] = pairs[i + 1]
  end
  redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', unpack(fields))
end
