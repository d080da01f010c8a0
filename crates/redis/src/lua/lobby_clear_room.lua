-- clear_room: deletes every entry of the room (found through its indexes) and the indexes.
-- ARGV: prefix.
for _, participant in ipairs(redis.call('HKEYS', identities_key)) do
  redis.call('DEL', prefix .. participant)
end
for _, participant in ipairs(redis.call('ZRANGE', waiting_key, 0, -1)) do
  redis.call('DEL', prefix .. participant)
end
redis.call('DEL', waiting_key, identities_key)
return reply('ok', {})
