import { UsageError } from '../shared/errors.ts';

/** One node of a Redis Cluster, as named in REDIS_URL. */
export interface RedisNode {
  host: string;
  port: number;
}

const CLUSTER_SCHEME = 'redis+cluster:';
const TLS_CLUSTER_SCHEME = 'rediss+cluster:';

/** What a client needs to reach a cluster: seeds, credentials, TLS. */
export interface ClusterTarget {
  nodes: RedisNode[];
  username: string | undefined;
  password: string | undefined;
  /** `rediss+cluster://`: TLS to every node (ElastiCache/MemoryDB with in-transit encryption). */
  tls: boolean;
}

/**
 * `redis+cluster://host:port,host:port,...` names the seed nodes of a Redis Cluster (any of its
 * masters; the client discovers the rest). Returns undefined for any other URL (`redis://`,
 * `rediss://`: one server).
 */
export function parseClusterUrl(text: string): RedisNode[] | undefined {
  return parseClusterTarget(text)?.nodes;
}

/**
 * The same with credentials and TLS: `rediss+cluster://user:password@host:port,host:port`
 * (credentials, written once before the first node, apply to every node).
 */
export function parseClusterTarget(text: string): ClusterTarget | undefined {
  const scheme = clusterScheme(text);
  if (scheme === undefined) return undefined;
  let rest = text.slice(scheme.length + 2);
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined;
    password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
  }
  const seeds = rest
    .replace(/\/+$/, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (seeds.length === 0) throw new UsageError(`REDIS_URL names no cluster node: ${redact(text)}`);
  return {
    nodes: seeds.map((seed) => seedNode(seed, text)),
    username,
    password,
    tls: scheme === TLS_CLUSTER_SCHEME,
  };
}

export function clusterUrl(nodes: readonly RedisNode[]): string {
  return `${CLUSTER_SCHEME}//${nodes.map(formatNode).join(',')}`;
}

export function isClusterUrl(text: string): boolean {
  return clusterScheme(text) !== undefined;
}

function clusterScheme(text: string): string | undefined {
  return [CLUSTER_SCHEME, TLS_CLUSTER_SCHEME].find((s) => text.startsWith(`${s}//`));
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function seedNode(seed: string, text: string): RedisNode {
  let url: URL;
  try {
    url = new URL(`redis://${seed}`);
  } catch (error) {
    throw new UsageError(`REDIS_URL: "${seed}" is not host:port in ${redact(text)}`, {
      cause: error,
    });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : 6379 };
}

function formatNode({ host, port }: RedisNode): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
