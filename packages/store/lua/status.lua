--[[
  status — one delivery as a status read sees it: its record, status trail, due time and lease,
  read at one moment, so that no outcome falls between the reads (read apart, an ack between
  them could show a delivered message as ready: its lease gone, its record not yet rewritten).
  It only reads, so it runs at Redis's memory limit too, where a MULTI is refused.

  KEYS[1] deliveries   KEYS[2] attempts   KEYS[3] due   KEYS[4] inflight

  ARGV[1] delivery id

  Returns record, trail, due score, lease entry: each nil when absent.
  Events: none
]]
local id = ARGV[1]
return {
  redis.call('HGET', KEYS[1], id),
  redis.call('HGET', KEYS[2], id),
  redis.call('ZSCORE', KEYS[3], id),
  redis.call('HGET', KEYS[4], id),
}
