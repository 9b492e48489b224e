import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './connection.ts';
import { errorMessage } from '../shared/errors.ts';

/**
 * The key check the test suites turn on (STRATA_LUA_CHECK_KEYS=1): see check-keys.lua. Read
 * when a script is made, so a process either checks every script or none.
 */
const CHECK_KEYS_FILE = new URL('./check-keys.lua', import.meta.url);

/**
 * A Lua script run by SHA, sent whole only on first use on a server (and again after a Redis
 * restart empties its script cache). Scripts declare every key they touch in KEYS: that is the
 * Redis scripting contract, and on a Redis Cluster the first key routes the call to its node.
 */
export class LuaScript {
  readonly sha: string;
  readonly source: string;

  constructor(
    readonly name: string,
    body: string,
    options: { checkKeys?: boolean } = {},
  ) {
    const checkKeys = options.checkKeys ?? process.env.STRATA_LUA_CHECK_KEYS === '1';
    this.source = checkKeys ? `${readFileSync(CHECK_KEYS_FILE, 'utf8')}\n${body}` : body;
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** A script made of .lua files, in order: function libraries first, then the script's body. */
  static fromFiles(name: string, files: readonly URL[]): LuaScript {
    return new LuaScript(name, files.map((file) => readFileSync(file, 'utf8')).join('\n'));
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    // A call without keys would go to any node of a cluster; every Strata script has some.
    if (keys.length === 0) throw new Error(`Lua script ${this.name} called without keys`);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!errorMessage(error).startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
