import { LEASE_LUA_FILE } from '../../redis/lease.ts';
import { LuaScript } from '../../redis/lua-script.ts';
import type { RedisKeys } from '../keys.ts';

/**
 * Run state transitions, each one Lua script so it is atomic: two upstream assets finishing at
 * the same instant both decrement their dependent's counter, and exactly one of them sees zero
 * and marks it queued. A script that runs twice (a retried call, a re-run job) finds the asset
 * no longer in the state it expects and changes nothing.
 *
 * Each script is lease.lua (the fenced lease functions), run.lua (shared run functions) and its
 * own body in a .lua file beside this one, which documents its KEYS and ARGV. Every key a script
 * touches is passed in KEYS (the Redis scripting contract, and what lets them run on a Redis
 * Cluster): the run's keys come first, in the order of runKeyList.
 */
const RUN_LUA_FILE = new URL('./run.lua', import.meta.url);

const scriptOf = (name: string, file: string): LuaScript =>
  LuaScript.fromFiles(name, [LEASE_LUA_FILE, RUN_LUA_FILE, new URL(file, import.meta.url)]);

export const createRunScript = scriptOf('createRun', './create-run.lua');
export const claimAssetScript = scriptOf('claimAsset', './claim-asset.lua');
export const finishAssetScript = scriptOf('finishAsset', './finish-asset.lua');
export const cancelRunScript = scriptOf('cancelRun', './cancel-run.lua');
export const trimRunIndexesScript = scriptOf('trimRunIndexes', './trim-run-indexes.lua');

/** The six keys of a run, in the order run.lua's runKeysAt reads them. */
export function runKeyList(keys: RedisKeys, runId: string): string[] {
  return [
    keys.run(runId),
    keys.runState(runId),
    keys.runRemaining(runId),
    keys.runDependents(runId),
    keys.runInfo(runId),
    keys.runEvents(runId),
  ];
}
