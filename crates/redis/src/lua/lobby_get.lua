-- get: reads one entry.
-- ARGV: prefix, participant.
local participant = ARGV[2]
if status_of(participant) then
  return reply('ok', {entry(participant)})
end
return reply('ok', {})
