-- KEYS: asset summary hash, asset event stream. ARGV: dataTime, now, partition, stream max,
-- asset key. An observation is a fact, not a materialization: it moves the asset's data time
-- forward (never back) and is appended to the stream; no lease is involved.
local summary, stream = KEYS[1], KEYS[2]
local current = tonumber(redis.call('HGET', summary, 'dataTime') or '')
local observed = tonumber(ARGV[1])
if current == nil or observed > current then
  redis.call('HSET', summary, 'dataTime', ARGV[1], 'observedAt', ARGV[2])
end
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '*', 'type', 'observation', 'asset', ARGV[5],
  'partition', ARGV[3], 'dataTime', ARGV[1], 'at', ARGV[2])
return 1
