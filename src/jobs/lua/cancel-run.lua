-- KEYS: the run's six keys, the runs index. ARGV: runId, now.
-- Cancels every asset not yet started and sets cancelRequested, which running jobs poll: they
-- abort their materializer and finish their asset as cancelled. The run ends cancelled (or
-- failed, if one of them failed first). Returns the run status.
local run, runs = runKeysAt(1), KEYS[7]
local id, now = ARGV[1], ARGV[2]
local status = redis.call('HGET', run.hash, 'status')
if not status then return 'missing' end
if TERMINAL[status] then return status end
redis.call('HSET', run.hash, 'cancelRequested', '1')
local states = redis.call('HGETALL', run.state)
local n = 0
for i = 1, #states, 2 do
  if states[i + 1] == 'pending' or states[i + 1] == 'queued' then
    redis.call('HSET', run.state, states[i], 'cancelled')
    emit(run, 'asset_cancelled', states[i], '{}', now)
    n = n + 1
  end
end
if n > 0 then settle(run, runs, id, n, now) end
return redis.call('HGET', run.hash, 'status') or 'missing'
