-- request: creates a waiting entry, refreshes a waiting one, leaves a decided one.
-- ARGV: prefix, participant, waiting lifetime (ms), identity, username, color, requested_at,
--       arrival score (requested_at in ms).
local participant, lifetime = ARGV[2], ARGV[3]
local key = prefix .. participant
local status = status_of(participant)
if status then
  if status == 'waiting' then
    redis.call('PEXPIRE', key, lifetime)
    keep_at_least(waiting_key, lifetime)
    keep_at_least(identities_key, lifetime)
  end
  return reply('existing', {entry(participant)})
end
redis.call('HSET', key, 'status', 'waiting', 'identity', ARGV[4], 'username', ARGV[5],
  'color', ARGV[6], 'requested_at', ARGV[7])
redis.call('PEXPIRE', key, lifetime)
redis.call('ZADD', waiting_key, ARGV[8], participant)
redis.call('HSET', identities_key, participant, ARGV[4])
keep_at_least(waiting_key, lifetime)
keep_at_least(identities_key, lifetime)
return reply('created', {entry(participant)})
