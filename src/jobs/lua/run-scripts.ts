import { readFileSync } from 'node:fs';
import { LEASE_LUA_FILE } from '../../redis/lease.ts';
import { LuaScript } from '../../redis/lua-script.ts';

/**
 * Run state transitions, each one Lua script so it is atomic: two upstream assets finishing at
 * the same instant both decrement their dependent's counter, and exactly one of them sees zero
 * and marks it queued. A script that runs twice (a retried call, a re-run job) finds the asset
 * no longer in the state it expects and changes nothing. Key layout: see ../keys.ts.
 * ARGV[1] is always the key prefix.
 */
const PRELUDE = `${readFileSync(LEASE_LUA_FILE, 'utf8')}
local P = ARGV[1]
local function runKey(id) return P .. 'run:' .. id end
local function leaseKey(asset) return P .. 'lease:' .. asset end
local TERMINAL = { succeeded = true, failed = true, cancelled = true }

local function emit(id, kind, asset, detail, at)
  redis.call('XADD', runKey(id) .. ':events', 'MAXLEN', '~', 10000, '*',
    'type', kind, 'asset', asset, 'detail', detail, 'at', at)
end

-- A run's keys go when no asset's retention window holds it any more and it has ended.
local function dropRunIfUnreferenced(id)
  local k = runKey(id)
  local refs = tonumber(redis.call('HGET', k, 'refs') or '0')
  local status = redis.call('HGET', k, 'status')
  if refs <= 0 and (not status or TERMINAL[status]) then
    redis.call('DEL', k, k .. ':state', k .. ':remaining', k .. ':dependents', k .. ':info', k .. ':events')
    redis.call('ZREM', P .. 'runs', id)
  end
end

-- Counts assets that reached a terminal state; ends the run when none is left.
local function settle(id, count, now)
  local k = runKey(id)
  local left = redis.call('HINCRBY', k, 'unfinished', -count)
  if left > 0 then return '' end
  local status = 'succeeded'
  if tonumber(redis.call('HGET', k, 'failed') or '0') > 0 then
    status = 'failed'
  elseif redis.call('HGET', k, 'cancelRequested') == '1' then
    status = 'cancelled'
  end
  redis.call('HSET', k, 'status', status, 'endedAt', now)
  emit(id, 'run_' .. status, '', '{}', now)
  dropRunIfUnreferenced(id)
  return status
end
`;

/**
 * ARGV: prefix, runId, now, retainPerAsset, metaJson, then per asset (in graph order):
 * key, number of its upstream assets in the run, its dependents in the run (space separated).
 * Returns {'created', roots...}: the root assets (no upstream in the run), already marked queued.
 * A run id that exists already (a deterministic id given twice: a re-delivered schedule tick)
 * creates nothing and returns {'existing', assets of that run still queued...}, so the caller
 * can enqueue them again (a no-op for jobs that are there) and the run cannot stall half-made.
 */
export const createRunScript = new LuaScript(
  'createRun',
  `${PRELUDE}
local id, now, retain, meta = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local k = runKey(id)
if redis.call('EXISTS', k) == 1 then
  local queued = { 'existing' }
  local states = redis.call('HGETALL', k .. ':state')
  for i = 1, #states, 2 do
    if states[i + 1] == 'queued' then queued[#queued + 1] = states[i] end
  end
  return queued
end
local n = (#ARGV - 5) / 3
redis.call('HSET', k, 'id', id, 'meta', meta, 'status', 'queued', 'createdAt', now,
  'total', n, 'unfinished', n, 'failed', 0, 'refs', n)
local roots = {}
for i = 0, n - 1 do
  local asset, up, dependents = ARGV[6 + i * 3], tonumber(ARGV[7 + i * 3]), ARGV[8 + i * 3]
  redis.call('HSET', k .. ':remaining', asset, up)
  if dependents ~= '' then redis.call('HSET', k .. ':dependents', asset, dependents) end
  local state = 'pending'
  if up == 0 then
    state = 'queued'
    roots[#roots + 1] = asset
  end
  redis.call('HSET', k .. ':state', asset, state)
  local index = P .. 'asset:' .. asset .. ':runs'
  redis.call('ZADD', index, now, id)
  local excess = redis.call('ZCARD', index) - retain
  if excess > 0 then
    local old = redis.call('ZRANGE', index, 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', index, 0, excess - 1)
    for _, victim in ipairs(old) do
      if redis.call('EXISTS', runKey(victim)) == 1 then
        redis.call('HINCRBY', runKey(victim), 'refs', -1)
        dropRunIfUnreferenced(victim)
      end
    end
  end
end
redis.call('ZADD', P .. 'runs', now, id)
emit(id, 'run_queued', '', meta, now)
table.insert(roots, 1, 'created')
return roots
`,
);

/**
 * ARGV: prefix, runId, asset, now, infoJson, leaseToken, leaseTtlMs, leaseLogRetain.
 * Takes the asset's lease and moves the asset queued|running -> running, in one step. Returns
 * {'running', fence, leaseStart}, {'lease_busy'} while another holder has the lease, or
 * {state} when the asset is not startable ('cancelled', 'succeeded', ...; lease not taken).
 */
export const claimAssetScript = new LuaScript(
  'claimAsset',
  `${PRELUDE}
local id, asset, now, info, token, ttl, retain = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local k = runKey(id)
local state = redis.call('HGET', k .. ':state', asset)
if state ~= 'queued' and state ~= 'running' then return { state or 'missing' } end
local fence, start = leaseAcquire(leaseKey(asset), leaseKey(asset) .. ':fence', leaseKey(asset) .. ':log', token, ttl, retain)
if not fence then return { 'lease_busy' } end
redis.call('HSET', k .. ':state', asset, 'running')
redis.call('HSET', k .. ':info', asset, info)
if redis.call('HGET', k, 'status') == 'queued' then
  redis.call('HSET', k, 'status', 'running', 'startedAt', now)
end
emit(id, 'asset_started', asset, info, now)
return { 'running', fence, start }
`,
);

/**
 * ARGV: prefix, runId, asset, now, outcome (succeeded|failed|cancelled), leaseToken ('' = no fencing:
 * the job is gone, e.g. failed by BullMQ after too many stalls), infoJson ('' = the record
 * is the info), recordJson ('' = none), retainPerAsset, dataTime ('' = unknown),
 * blockedReason, leaseFence.
 * Records the materialization and releases the lease, then either queues the dependents whose
 * upstream assets have all succeeded, or skips every transitive dependent. A cancelled asset (its
 * run was cancelled while it ran) records no materialization and touches no dependent: the
 * cancel already cancelled every asset not started. Returns
 * {'ok', runStatus or '', readyCount, ready..., skipped...} or {'stale'|'lease_lost', state}.
 */
export const finishAssetScript = new LuaScript(
  'finishAsset',
  `${PRELUDE}
local id, asset, now, outcome, token = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local info, record, retain, dataTime, blockedReason = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11]
local fence = ARGV[12]
if info == '' then info = record end
local k = runKey(id)
local state = redis.call('HGET', k .. ':state', asset)
local held = token ~= '' and redis.call('GET', leaseKey(asset)) == token
if held then leaseRelease(leaseKey(asset), leaseKey(asset) .. ':log', token, fence, true) end
if state ~= 'queued' and state ~= 'running' then return { 'stale', state or 'missing' } end
if token ~= '' and not held then return { 'lease_lost', state } end

redis.call('HSET', k .. ':state', asset, outcome)
redis.call('HSET', k .. ':info', asset, info)
local a = P .. 'asset:' .. asset
if record ~= '' then
  redis.call('LPUSH', a .. ':mat', record)
  redis.call('LTRIM', a .. ':mat', 0, retain - 1)
end
if outcome == 'succeeded' then
  redis.call('HSET', a, 'lastRunId', id, 'lastStatus', outcome, 'lastMaterializedAt', now,
    'lastSuccessAt', now, 'blocked', '0', 'blockedReason', '', 'blockedRunId', '', 'dataTime', dataTime)
elseif outcome == 'failed' then
  redis.call('HSET', a, 'lastRunId', id, 'lastStatus', outcome, 'lastMaterializedAt', now,
    'blocked', '1', 'blockedReason', blockedReason, 'blockedRunId', id)
end
emit(id, 'asset_' .. outcome, asset, info, now)
-- The scheduler reacts to this stream instead of polling the graph (src/jobs/asset-events.ts).
redis.call('XADD', P .. 'asset-events', 'MAXLEN', '~', 10000, '*', 'type', 'materialization',
  'asset', asset, 'partition', '', 'status', outcome, 'runId', id, 'dataTime', dataTime, 'at', now)

local ready, skipped, finished = {}, {}, 1
local dependents = redis.call('HGET', k .. ':dependents', asset)
if outcome == 'succeeded' then
  if dependents then
    for d in string.gmatch(dependents, '%S+') do
      local left = redis.call('HINCRBY', k .. ':remaining', d, -1)
      if left == 0 and redis.call('HGET', k .. ':state', d) == 'pending' then
        redis.call('HSET', k .. ':state', d, 'queued')
        ready[#ready + 1] = d
      end
    end
  end
elseif outcome == 'failed' then
  redis.call('HINCRBY', k, 'failed', 1)
  local stack = {}
  if dependents then for d in string.gmatch(dependents, '%S+') do stack[#stack + 1] = d end end
  while #stack > 0 do
    local d = table.remove(stack)
    if redis.call('HGET', k .. ':state', d) == 'pending' then
      redis.call('HSET', k .. ':state', d, 'skipped')
      -- asset keys match ^[a-z][a-z0-9_]*$, so they need no JSON escaping
      local why = '{"reason":"upstream asset ' .. asset .. ' failed"}'
      redis.call('HSET', k .. ':info', d, why)
      emit(id, 'asset_skipped', d, why, now)
      skipped[#skipped + 1] = d
      finished = finished + 1
      local more = redis.call('HGET', k .. ':dependents', d)
      if more then for m in string.gmatch(more, '%S+') do stack[#stack + 1] = m end end
    end
  end
end

local result = { 'ok', settle(id, finished, now), #ready }
for _, d in ipairs(ready) do result[#result + 1] = d end
for _, d in ipairs(skipped) do result[#result + 1] = d end
return result
`,
);

/**
 * ARGV: prefix, runId, now. Cancels every asset not yet started and sets cancelRequested, which
 * running jobs poll: they abort their materializer and finish their asset as cancelled. The run
 * ends cancelled (or failed, if one of them failed first). Returns the run status.
 */
export const cancelRunScript = new LuaScript(
  'cancelRun',
  `${PRELUDE}
local id, now = ARGV[2], ARGV[3]
local k = runKey(id)
local status = redis.call('HGET', k, 'status')
if not status then return 'missing' end
if TERMINAL[status] then return status end
redis.call('HSET', k, 'cancelRequested', '1')
local states = redis.call('HGETALL', k .. ':state')
local n = 0
for i = 1, #states, 2 do
  if states[i + 1] == 'pending' or states[i + 1] == 'queued' then
    redis.call('HSET', k .. ':state', states[i], 'cancelled')
    emit(id, 'asset_cancelled', states[i], '{}', now)
    n = n + 1
  end
end
if n > 0 then settle(id, n, now) end
return redis.call('HGET', k, 'status') or 'missing'
`,
);
