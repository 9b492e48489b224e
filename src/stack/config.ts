import path from 'node:path';
import { PROJECT_ROOT } from '../shared/settings.ts';
import { clusterUrl, parseClusterUrl } from '../redis/url.ts';
import { UsageError } from '../shared/errors.ts';

/** The services `strata stack` manages, in start order. `dbt` is a tool in the venv, not a server. */
export const SERVICE_NAMES = ['redis', 'kafka', 'moto', 'dbt'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface HostPort {
  host: string;
  port: number;
}

export interface StackConfig {
  projectRoot: string;
  /** Everything the stack writes: logs, pid files, jars, data. */
  stateDir: string;
  venvDir: string;
  redisUrl: string;
  redis: HostPort;
  /**
   * The Redis the stack runs: one server (REDIS_URL), or with `--redis cluster` the three
   * masters of a local Redis Cluster (each with its cluster bus on its port + 10000).
   */
  redisNodes: HostPort[];
  /** The first (or only) Kafka broker. */
  kafka: HostPort;
  /**
   * Every broker the stack runs: one (KAFKA_BROKERS' first entry) or a KRaft cluster of
   * `--kafka-brokers n` nodes, each broker and controller, the controller on its port + 1.
   */
  kafkaNodes: HostPort[];
  moto: HostPort;
  /** How long a started server may take to answer its health check. */
  startTimeoutMs: number;
  /** How long `down` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs: number;
}

export const DEFAULT_AWS_ENDPOINT_URL = 'http://127.0.0.1:5000';

/**
 * Resolves addresses and folders from the environment (the same variables every Strata role
 * reads), so pointing the stack at other ports is a matter of exporting REDIS_URL & co.
 */
export function resolveStackConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<StackConfig> = {},
  options: { kafkaBrokers?: number; redis?: RedisMode } = {},
): StackConfig {
  const projectRoot = overrides.projectRoot ?? PROJECT_ROOT;
  const kafkaNodes = kafkaNodesFor(env.KAFKA_BROKERS, options.kafkaBrokers ?? 1);
  const redisMode = options.redis ?? (parseClusterUrl(env.REDIS_URL ?? '') ? 'cluster' : 'single');
  const redisNodes = redisMode === 'cluster' ? redisClusterNodes(env.REDIS_URL) : undefined;
  const redisUrl =
    overrides.redisUrl ??
    (redisNodes ? clusterUrl(redisNodes) : (env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
  return {
    projectRoot,
    stateDir: path.resolve(projectRoot, env.STRATA_STACK_DIR ?? '.stack'),
    venvDir: path.resolve(projectRoot, env.STRATA_VENV_DIR ?? '.venv'),
    redisUrl,
    redis: redisNodes?.[0] ?? urlHostPort(redisUrl, 6379, 'REDIS_URL'),
    redisNodes: redisNodes ?? [urlHostPort(redisUrl, 6379, 'REDIS_URL')],
    kafka: kafkaNodes[0]!,
    kafkaNodes,
    moto: urlHostPort(env.AWS_ENDPOINT_URL || DEFAULT_AWS_ENDPOINT_URL, 5000, 'AWS_ENDPOINT_URL'),
    startTimeoutMs: 120_000,
    stopTimeoutMs: 20_000,
    ...overrides,
  };
}

export type RedisMode = 'single' | 'cluster';

/** Where the local Redis Cluster's masters listen when REDIS_URL does not name three. */
export const REDIS_CLUSTER_FIRST_PORT = 17000;
const REDIS_CLUSTER_MASTERS = 3;
export { clusterUrl, parseClusterUrl };

function redisClusterNodes(redisUrl: string | undefined): HostPort[] {
  const named = redisUrl === undefined ? undefined : parseClusterUrl(redisUrl);
  if (named?.length === REDIS_CLUSTER_MASTERS) return named;
  return Array.from({ length: REDIS_CLUSTER_MASTERS }, (_, i) => ({
    host: '127.0.0.1',
    port: REDIS_CLUSTER_FIRST_PORT + i,
  }));
}

/** Where a cluster of n brokers listens when KAFKA_BROKERS does not name n of them. */
export const KAFKA_CLUSTER_FIRST_PORT = 19092;
const MAX_KAFKA_BROKERS = 5;

/**
 * One broker: KAFKA_BROKERS' first entry. A cluster of n: KAFKA_BROKERS when it names exactly
 * n brokers, else 127.0.0.1:19092, 19094, ... so a cluster never lands on the single broker's
 * 9092 (each node's controller takes the port after its broker's).
 */
function kafkaNodesFor(brokers: string | undefined, count: number): HostPort[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_KAFKA_BROKERS) {
    throw new UsageError(`--kafka-brokers must be a whole number from 1 to ${MAX_KAFKA_BROKERS}`);
  }
  const listed = (brokers ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map(brokerHostPort);
  if (listed.length === 0) throw new UsageError('KAFKA_BROKERS names no broker');
  if (count === 1) return [listed[0]!];
  if (listed.length === count) return listed;
  return Array.from({ length: count }, (_, i) => ({
    host: '127.0.0.1',
    port: KAFKA_CLUSTER_FIRST_PORT + 2 * i,
  }));
}

function urlHostPort(text: string, defaultPort: number, variable: string): HostPort {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new UsageError(`${variable} is not a URL: ${text}`, { cause: error });
  }
  return { host: stripBrackets(url.hostname), port: url.port ? Number(url.port) : defaultPort };
}

function brokerHostPort(broker: string): HostPort {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(broker);
  if (!match?.[1] || !match[2]) {
    throw new UsageError(`KAFKA_BROKERS must be host:port[,host:port...], got "${broker}"`);
  }
  return { host: stripBrackets(match[1]), port: Number(match[2]) };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Only services on this machine can be started; a remote address can only be checked. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Parses `--only redis,kafka`; rejects unknown names so a typo does not silently do nothing. */
export function parseServiceList(text: string | undefined): ServiceName[] {
  if (text === undefined || text.trim() === '') return [...SERVICE_NAMES];
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(', ')}; expected some of ${SERVICE_NAMES.join(', ')}`,
    );
  }
  return SERVICE_NAMES.filter((name) => wanted.includes(name));
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Where each piece of state lives under the state folder. */
export function stackPaths(config: StackConfig) {
  const dir = config.stateDir;
  return {
    /** A service's log: its name, or its unit (`kafka-2`) when it runs as several processes. */
    logFile: (
      unit:
        | ServiceName
        | 'venv'
        | 'kafka-jars'
        | 'redis-cluster-create'
        | `kafka-${string}`
        | `redis-${string}`,
    ) => path.join(dir, 'logs', `${unit}.log`),
    pidFile: (unit: ServiceName | `kafka-${number}` | `redis-${number}`) =>
      path.join(dir, 'run', `${unit}.pid`),
    /** Data and nodes.conf of master n of the local Redis Cluster. */
    redisNodeDir: (nodeId: number) => path.join(dir, 'redis-cluster', `node-${nodeId}`),
    /** State of node n of a multi-broker cluster: its data, properties and log4j file. */
    kafkaNodeDir: (nodeId: number) => path.join(dir, 'kafka-cluster', `node-${nodeId}`),
    kafkaClusterId: path.join(dir, 'kafka-cluster', 'cluster.id'),
    kafkaDir: path.join(dir, 'kafka'),
    kafkaLibs: path.join(dir, 'kafka', 'libs'),
    kafkaLibsStamp: path.join(dir, 'kafka', 'libs.sha256'),
    kafkaData: path.join(dir, 'kafka', 'data'),
    kafkaProperties: path.join(dir, 'kafka', 'server.properties'),
    kafkaLog4j: path.join(dir, 'kafka', 'log4j2.yaml'),
    redisDir: path.join(dir, 'redis'),
    motoDir: path.join(dir, 'moto'),
    venvStamp: path.join(dir, 'venv.sha256'),
    kafkaPom: path.join(config.projectRoot, 'scripts', 'stack', 'kafka-pom.xml'),
    requirements: path.join(config.projectRoot, 'scripts', 'stack', 'requirements.txt'),
  };
}
export type StackPaths = ReturnType<typeof stackPaths>;
