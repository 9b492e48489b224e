/**
 * Issue 15: with a cluster REDIS_URL, prefixes without one shared hash tag are a usage error that
 * every role reports before it connects (exit 2, at once: no connection keeps it alive). No
 * cluster is needed: the check comes first, so the URL points nowhere.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('a cluster REDIS_URL with untagged prefixes', () => {
  it.each(['status', 'worker'])('strata %s exits 2 naming both variables', async (command) => {
    const result = await runCli([command], {
      env: { REDIS_URL: 'redis+cluster://127.0.0.1:1', STRATA_KEY_PREFIX: 'strata:' },
      timeoutMs: 20_000,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(
      'REDIS_URL names a Redis Cluster, so STRATA_KEY_PREFIX and STRATA_QUEUE_PREFIX must carry the same hash tag',
    );
  });
});
