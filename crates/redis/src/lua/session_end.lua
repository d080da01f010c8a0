-- Ends every session an index set holds, and the set.
-- KEYS[1]: the index set. ARGV[1]: the prefix of session keys.
-- Replies how many sessions were live.
local ended = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  ended = ended + redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1])
return ended
