-- A fixed-window counter: counts one hit, starting the window on the first one.
-- KEYS[1]: the counter. ARGV[1]: the window (ms).
-- Replies {hits in this window, ms until the window ends}.
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
