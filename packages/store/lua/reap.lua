--[[
  reap — takes back deliveries whose lease expired. Each goes to the front of its ready list
  without spending a retry while it has free attempts left; past them (lost leases and
  Retry-After waits count alike) the lost attempt spends a retry, as a failed one would, and
  once its retries are spent too (a message that keeps killing its dispatcher) it is
  dead-lettered and the next delivery with its ordering key may start. The lost attempt is put
  on the delivery's trail. Each id is checked again here, so a stale scan is harmless.

  KEYS[1] deliveries    KEYS[2] leases   KEYS[3] attempts   KEYS[4] dests
  KEYS[5] parked   KEYS[6] dlq      KEYS[7] done       KEYS[8] events
  KEYS[9] wake     KEYS[10] due     KEYS[11] backlog   KEYS[12] inflight
  KEYS[13] ready count
  KEYS[11+3j] ready:<dest j>   KEYS[12+3j] dest:<dest j>   KEYS[13+3j] order:<dest j>:<tenant>:<key>
    (j = 1..m, one triple per destination and ordering key)

  ARGV[1] events max length
  ARGV[2] most free attempts a delivery may have; later lost leases spend retries
  ARGV[2i+1], ARGV[2i+2]: delivery id, j of its keys (0: no record)

  Returns { requeued, deadLettered }
  Events: requeued | failed; ready | scheduled for the next delivery of its ordering key
          (includes/route.lua)
]]
-- @include now
-- @include record
-- @include event
-- @include trail
-- @include wake
-- @include rotation
-- @include slot
-- @include route
-- @include finish
-- @include lease
-- @include ready

local deliveriesKey, leasesKey, attemptsKey, eventsKey, inflightKey = KEYS[1], KEYS[2], KEYS[3], KEYS[8], KEYS[12]
local maxLen, maxFree = ARGV[1], tonumber(ARGV[2])

local now = nowMs()
local requeued, dead = 0, 0
local requeuedDest
for i = 3, #ARGV, 2 do
  local id, j = ARGV[i], tonumber(ARGV[i + 1])
  local expiry = redis.call('ZSCORE', leasesKey, id)
  if expiry and tonumber(expiry) <= now then
    local attempt, leasedAt = parseLease(redis.call('HGET', inflightKey, id))
    endLeases(leasesKey, inflightKey, { id })
    local r = readRecord(deliveriesKey, id)
    if r and not attempt and r.state == 'in_flight' then
      -- Leased by a claim that still rewrote the record (before lease.lua): the record holds both.
      attempt, leasedAt = r.attempt, tonumber(r.updatedAt)
    end
    if j > 0 and r and attempt then
      r.attempt = attempt
      local k = { deliveries = deliveriesKey, dests = KEYS[4], parked = KEYS[5], done = KEYS[7], wake = KEYS[9],
                  due = KEYS[10], backlog = KEYS[11], readyCount = KEYS[13],
                  ready = KEYS[11 + 3 * j], dest = KEYS[12 + 3 * j], order = KEYS[13 + 3 * j],
                  events = eventsKey, eventsMaxLen = maxLen }
      -- On the trail as an attempt that began when the lease did, as the others begin at their start.
      appendAttempt(attemptsKey, id, cjson.encode({ n = r.attempt, at = leasedAt,
        d = now - leasedAt, e = 'lease expired before an outcome was recorded' }))
      r.updatedAt = now
      if r.free >= maxFree and r.attempt - r.free >= r.maxAttempts then
        r.state = 'failed'
        writeRecord(deliveriesKey, id, r)
        redis.call('ZADD', KEYS[6], now, id)
        releaseSlot(k, r.dest)
        logEvent(eventsKey, maxLen, 'failed', id, r.attempt)
        finish(k, id, r, now)
        dead = dead + 1
      else
        r.state = 'ready'
        if r.free < maxFree then r.free = r.free + 1 end
        writeRecord(deliveriesKey, id, r)
        redis.call('LPUSH', k.ready, id)
        releaseSlot(k, r.dest)
        logEvent(eventsKey, maxLen, 'requeued', id, r.attempt)
        requeued = requeued + 1
        requeuedDest = r.dest
      end
    end
  end
end

countReady(KEYS[13], requeued)
if requeuedDest then wake(KEYS[9], requeuedDest) end
return { requeued, dead }
