--[[
  reap — takes back deliveries whose lease expired. Each goes to the front of its ready list
  without spending a retry, unless it has lost its lease too often already (a message that
  keeps killing its dispatcher): then it is dead-lettered. The lost attempt is put on the
  delivery's trail. Each id is checked again here, so a stale scan is harmless.

  KEYS[1] state    KEYS[2] leases   KEYS[3] attempts   KEYS[4] dests
  KEYS[5] dlq      KEYS[6] done     KEYS[7] events     KEYS[8] wake
  KEYS[7+2j] ready:<dest j>         KEYS[8+2j] dest:<dest j>     (j = 1..m)

  ARGV[1] events max length
  ARGV[2] most lost leases a delivery may have before it is dead-lettered
  ARGV[3i], ARGV[3i+1], ARGV[3i+2]: delivery id, j of its keys (0: no record), destination

  Returns { requeued, deadLettered }
  Events: requeued | failed
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include wake
-- @include rotation
-- @include slot

local stateKey, leasesKey, attemptsKey, destsKey, dlqKey, doneKey, eventsKey, wakeKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local maxLen, maxFree = ARGV[1], tonumber(ARGV[2])

local now = nowMs()
local requeued, dead = 0, 0
for i = 3, #ARGV, 3 do
  local id, j, dest = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local expiry = redis.call('ZSCORE', leasesKey, id)
  if expiry and tonumber(expiry) <= now then
    redis.call('ZREM', leasesKey, id)
    local r = readRecord(stateKey, id)
    if j > 0 and r and r.state == 'in_flight' then
      releaseSlot(KEYS[8 + 2 * j])
      appendAttempt(attemptsKey, id, cjson.encode({ n = r.attempt, at = now,
        d = now - tonumber(r.updatedAt), e = 'lease expired before an outcome was recorded' }))
      r.updatedAt = now
      if r.free >= maxFree then
        r.state = 'failed'
        writeRecord(stateKey, id, r)
        redis.call('ZADD', dlqKey, now, id)
        redis.call('ZADD', doneKey, now, id)
        logEvent(eventsKey, maxLen, 'failed', id, r.attempt)
        dead = dead + 1
      else
        r.state, r.free = 'ready', r.free + 1
        writeRecord(stateKey, id, r)
        redis.call('LPUSH', KEYS[7 + 2 * j], id)
        joinRotation(destsKey, dest)
        logEvent(eventsKey, maxLen, 'requeued', id, r.attempt)
        requeued = requeued + 1
      end
    end
  end
end

if requeued > 0 then wake(wakeKey) end
return { requeued, dead }
