-- KEYS: pool sets. ARGV: token, ttlMs. Returns 0 when a slot was lost (expired, reclaimed).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = 1
for _, key in ipairs(KEYS) do
  local score = redis.call('ZSCORE', key, ARGV[1])
  if score and tonumber(score) > now then
    redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  else
    held = 0
  end
end
return held
