import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { errorMessage } from '../shared/errors.ts';

/**
 * A Lua script run by SHA, sent whole only on first use on a server (and again after a Redis
 * restart empties its script cache). Scripts declare every key they touch in KEYS.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** A script made of .lua files, in order: function libraries first, then the script's body. */
  static fromFiles(name: string, files: readonly URL[]): LuaScript {
    return new LuaScript(name, files.map((file) => readFileSync(file, 'utf8')).join('\n'));
  }

  async run(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!errorMessage(error).startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
