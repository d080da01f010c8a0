-- decide: compare-and-set of one entry. waiting -> decided; the same decision again answers
-- the entry unchanged; the opposite one is refused; an absent entry is not found.
-- ARGV: prefix, participant, status to set, decided_at, decided_by, lifetime (ms).
local participant, wanted = ARGV[2], ARGV[3]
local status = status_of(participant)
if not status then
  -- Stale index members of an expired entry go too.
  redis.call('ZREM', waiting_key, participant)
  redis.call('HDEL', identities_key, participant)
  return reply('not_found', {})
end
if status == 'waiting' then
  decide(participant, wanted, ARGV[4], ARGV[5], ARGV[6])
  return reply('ok', {entry(participant)})
end
if status == wanted then
  return reply('ok', {entry(participant)})
end
return reply('already_' .. status, {})
