-- remove_identity: deletes the room's entries with this LiveKit identity, whatever their
-- status (and drops index members whose entry expired).
-- ARGV: prefix, identity.
local members = redis.call('HGETALL', identities_key)
for i = 1, #members, 2 do
  local participant, identity = members[i], members[i + 1]
  if identity == ARGV[2] or redis.call('EXISTS', prefix .. participant) == 0 then
    forget(participant)
  end
end
return reply('ok', {})
