-- list_waiting: the waiting entries in arrival order; members whose entry expired (or is no
-- longer waiting) leave the index.
-- ARGV: prefix.
local listed = {}
for _, participant in ipairs(redis.call('ZRANGE', waiting_key, 0, -1)) do
  local status = status_of(participant)
  if status == 'waiting' then
    table.insert(listed, entry(participant))
  else
    redis.call('ZREM', waiting_key, participant)
    if not status then
      redis.call('HDEL', identities_key, participant)
    end
  end
end
return reply('ok', listed)
