--[[
  ready-recount — makes a shard's ready count exact, once: it counts the entries of every
  ready list of the shard and records when. A keyspace made before the count existed has ready
  work that no script counted; this runs when the scheduler starts and does nothing once a
  count has been made (decision 0010). It scans the keyspace, so it is not for a hot path; one
  call is atomic, so no push or pop can fall between the count and its use.

  KEYS[1] ready count

  ARGV[1] the pattern that matches the shard's ready lists and nothing else (SCAN MATCH)

  Returns the count made, or -1 when the shard had one already.
]]
-- @include now

local countKey, pattern = KEYS[1], ARGV[1]
if redis.call('HEXISTS', countKey, 'since') == 1 then return -1 end

-- The names come from SCAN: they share this shard's hash tag, so they are in KEYS[1]'s slot.
local total, cursor = 0, '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    if redis.call('TYPE', key).ok == 'list' then total = total + redis.call('LLEN', key) end
  end
until cursor == '0'
redis.call('HSET', countKey, 'n', total, 'since', nowMs())
return total
