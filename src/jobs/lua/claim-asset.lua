-- KEYS: the run's six keys, then the asset's lease, lease fence and lease log.
-- ARGV: asset, now, infoJson, leaseToken, leaseTtlMs, leaseLogRetain.
-- Takes the asset's lease and moves the asset queued|running -> running, in one step. Returns
-- {'running', fence, leaseStart}, {'lease_busy'} while another holder has the lease, or
-- {state} when the asset is not startable ('cancelled', 'succeeded', ...; lease not taken).
local run, lease, fenceKey, log = runKeysAt(1), KEYS[7], KEYS[8], KEYS[9]
local asset, now, info, token, ttl, retain = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local state = redis.call('HGET', run.state, asset)
if state ~= 'queued' and state ~= 'running' then return { state or 'missing' } end
local fence, start = leaseAcquire(lease, fenceKey, log, token, ttl, retain)
if not fence then return { 'lease_busy' } end
redis.call('HSET', run.state, asset, 'running')
redis.call('HSET', run.info, asset, info)
if redis.call('HGET', run.hash, 'status') == 'queued' then
  redis.call('HSET', run.hash, 'status', 'running', 'startedAt', now)
end
emit(run, 'asset_started', asset, info, now)
return { 'running', fence, start }
