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
-- (and `a`, when `attempts` is given) per delivery. `ids` and `attempts` are parallel lists.
local function logEvents(eventsKey, maxLen, kind, ids, attempts)
  if #ids == 0 then return end
  local fields = { 'e', kind }
  for x, id in ipairs(ids) do
    fields[#fields + 1] = 'id'
    fields[#fields + 1] = id
    if attempts then
      fields[#fields + 1] = 'a'
      fields[#fields + 1] = attempts[x]
    end
  end
  redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', unpack(fields))
end
