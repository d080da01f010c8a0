-- Stores a session and indexes it by the sets its ends are found through.
-- KEYS[1]: the session. KEYS[2..]: the index sets (a user's, a provider session's).
-- ARGV[1]: the session as JSON. ARGV[2]: its lifetime (ms). ARGV[3]: the session's key as
-- the index sets hold it.
-- An index set lives as long as its longest-lived member; members whose session expired or
-- was taken stay until then, and ending skips them.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 1
