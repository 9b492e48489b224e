-- Writes happen only while the caller's token holds the monitor lease, checked inside Redis in
-- the same script: a monitor that lost its lease (paused, partitioned) cannot record a
-- transition, and the engine notifies only what it recorded.
-- KEYS: lease, alerts hash, history list. ARGV: token, history limit, count of states to set,
-- then id/json pairs, count of ids to delete, the ids, then event JSONs.
local lease, alerts, history = KEYS[1], KEYS[2], KEYS[3]
if redis.call('GET', lease) ~= ARGV[1] then return 0 end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSET', alerts, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local deletes = tonumber(ARGV[i])
i = i + 1
for _ = 1, deletes do
  redis.call('HDEL', alerts, ARGV[i])
  i = i + 1
end
local pushed = false
while i <= #ARGV do
  redis.call('LPUSH', history, ARGV[i])
  pushed = true
  i = i + 1
end
if pushed then redis.call('LTRIM', history, 0, tonumber(ARGV[2]) - 1) end
return 1
