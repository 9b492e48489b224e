-- KEYS: pool sets. ARGV: token, ttlMs, then one limit per key. Returns 1 when all were taken.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, ARGV[1]) and redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    return 0
  end
end
for _, key in ipairs(KEYS) do redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1]) end
return 1
