-- forget: deletes one entry and its index memberships (an entry the adapter could not parse).
-- ARGV: prefix, participant.
forget(ARGV[2])
return reply('ok', {})
