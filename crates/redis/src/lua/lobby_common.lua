-- Shared head of every lobby script (prepended at compile time).
--
-- KEYS[1]: the room's waiting index, a sorted set (score: arrival in ms, member: participant).
-- KEYS[2]: the room's identity index, a hash (field: participant, value: LiveKit identity)
--          holding every entry of the room, whatever its status.
-- ARGV[1]: the prefix of the room's entry keys; an entry key is the prefix and a participant.
--
-- Every key carries the room's hash tag, so a room's keys share one cluster slot. Entries are
-- hashes (status, identity, username, color, requested_at, decided_at, decided_by) expiring
-- after their status's lifetime; the indexes expire no sooner than their longest-lived entry,
-- and members whose entry expired are dropped lazily by the scripts that meet them.
local waiting_key, identities_key, prefix = KEYS[1], KEYS[2], ARGV[1]
local corrupted = {}

-- Deletes an entry and its index memberships.
local function forget(participant)
  redis.call('DEL', prefix .. participant)
  redis.call('ZREM', waiting_key, participant)
  redis.call('HDEL', identities_key, participant)
end

-- The status of a participant's entry, or nil when it is absent. An entry that is not a hash
-- or whose status is not one of the machine's is corrupted: it is forgotten, reported, and
-- reads as absent.
local function status_of(participant)
  local key = prefix .. participant
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then
    return nil
  end
  if kind == 'hash' then
    local status = redis.call('HGET', key, 'status')
    if status == 'waiting' or status == 'accepted' or status == 'denied' then
      return status
    end
  end
  forget(participant)
  table.insert(corrupted, participant)
  return nil
end

-- Makes `key` live at least `ms` milliseconds more (an index outlives its entries).
local function keep_at_least(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then
    redis.call('PEXPIRE', key, ms)
  end
end

-- An entry as replied: {participant, {field, value, ...}}.
local function entry(participant)
  return {participant, redis.call('HGETALL', prefix .. participant)}
end

-- Decides a waiting entry: new status, decider, lifetime; out of the waiting index.
local function decide(participant, status, at, by, lifetime)
  local key = prefix .. participant
  redis.call('HSET', key, 'status', status, 'decided_at', at, 'decided_by', by)
  redis.call('PEXPIRE', key, lifetime)
  redis.call('ZREM', waiting_key, participant)
  keep_at_least(identities_key, lifetime)
end

-- Every script replies {code, entries, corrupted participants}.
local function reply(code, entries)
  return {code, entries, corrupted}
end

