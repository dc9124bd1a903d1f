-- Most deliveries one entry names. The stream is trimmed by entries, so this bounds what an
-- entry, and so the stream, can hold: FERRY_EVENTS_MAXLEN entries of at most this many each.
local EVENT_BATCH = 16

-- Appends one event for many deliveries (a batch's worth) as few entries: `e`, then `id` (and
-- `a`, when `attempts` is given) per delivery, at most EVENT_BATCH deliveries an entry. `ids`
-- and `attempts` are parallel lists. The stream is trimmed approximately (whole nodes), which
-- costs a few percent where exact trimming would cost several times more. Readers:
-- src/events.ts.
local function logEvents(eventsKey, maxLen, kind, ids, attempts)
  for first = 1, #ids, EVENT_BATCH do
    local fields = { 'e', kind }
    for x = first, math.min(#ids, first + EVENT_BATCH - 1) do
      fields[#fields + 1] = 'id'
      fields[#fields + 1] = ids[x]
      if attempts then
        fields[#fields + 1] = 'a'
        fields[#fields + 1] = attempts[x]
      end
    end
    redis.call('XADD', eventsKey, 'MAXLEN', '~', maxLen, '*', unpack(fields))
  end
end

-- Appends one lifecycle event for one delivery (`attempt` may be nil).
local function logEvent(eventsKey, maxLen, kind, id, attempt)
  logEvents(eventsKey, maxLen, kind, { id }, attempt and { attempt } or nil)
end
