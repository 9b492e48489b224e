import { describe, expect, it } from 'vitest';
import {
  clusterUrl,
  isClusterUrl,
  parseClusterTarget,
  parseClusterUrl,
} from '../../../src/redis/url.ts';

describe('REDIS_URL naming a Redis Cluster', () => {
  it('parses redis+cluster:// seed nodes and writes them back', () => {
    const nodes = parseClusterUrl('redis+cluster://127.0.0.1:17000, 127.0.0.1:17001,[::1]:17002');
    expect(nodes).toEqual([
      { host: '127.0.0.1', port: 17000 },
      { host: '127.0.0.1', port: 17001 },
      { host: '::1', port: 17002 },
    ]);
    expect(clusterUrl(nodes!)).toBe('redis+cluster://127.0.0.1:17000,127.0.0.1:17001,[::1]:17002');
  });

  it('takes credentials once and TLS from rediss+cluster://', () => {
    expect(parseClusterTarget('rediss+cluster://app:p%40ss@a.example:6379,b.example')).toEqual({
      nodes: [
        { host: 'a.example', port: 6379 },
        { host: 'b.example', port: 6379 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
  });

  it('leaves single-server URLs alone and rejects an empty node list', () => {
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeUndefined();
    expect(isClusterUrl('rediss://host:6379')).toBe(false);
    expect(isClusterUrl('redis+cluster://h:1')).toBe(true);
    expect(() => parseClusterUrl('redis+cluster://')).toThrow(/names no cluster node/);
    expect(() => parseClusterTarget('redis+cluster://u:secret@')).toThrow(/\*\*\*@/);
  });
});
