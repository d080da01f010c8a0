-- decide_all: decides every entry waiting now, in arrival order, in this one step.
-- ARGV: prefix, status to set, decided_at, decided_by, lifetime (ms).
local decided = {}
for _, participant in ipairs(redis.call('ZRANGE', waiting_key, 0, -1)) do
  local status = status_of(participant)
  if status == 'waiting' then
    decide(participant, ARGV[2], ARGV[3], ARGV[4], ARGV[5])
    table.insert(decided, entry(participant))
  elseif not status then
    redis.call('HDEL', identities_key, participant)
  end
end
redis.call('DEL', waiting_key)
return reply('ok', decided)
