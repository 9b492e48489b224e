import {
  formatHostPort,
  isLoopback,
  type HostPort,
  type ServiceName,
  type StackConfig,
  type StackPaths,
} from './config.ts';
import type { Prerequisite } from './prerequisites.ts';
import { isPortOpen } from './probe.ts';
import type { SpawnSpec } from './processes.ts';

/** What a service's install and start steps may use. */
export interface StackContext {
  config: StackConfig;
  paths: StackPaths;
  progress: (message: string) => void;
  /** Memoised per `up`: moto and dbt share one venv, installed at most once. */
  ensureVenv: () => Promise<void>;
}

interface ServiceBase {
  name: ServiceName;
  /**
   * Names the pid and log files when one service runs as several processes (the nodes of a
   * Kafka cluster: `kafka-1`, `kafka-2`, ...); the service's name otherwise.
   */
  unit?: `kafka-${number}` | `redis-${number}`;
  /** Shown in status: host:port for a server, the venv for a tool. */
  address: string;
  isHealthy(): Promise<boolean>;
  /** Programs the install and start steps need, given what is already cached. */
  prerequisites(): Prerequisite[];
  /** Installs what is missing (jars, venv, storage format); cheap when all is cached. */
  prepare(context: StackContext): Promise<void>;
}

/** A long-running process the stack may start and stop. */
export interface ServerService extends ServiceBase {
  kind: 'server';
  /** On this machine, so the stack may start it; a remote address can only be checked. */
  local: boolean;
  /** Something accepts connections: maybe a server still starting, maybe a stranger. */
  isListening(): Promise<boolean>;
  /**
   * Other ports the process binds (Kafka's controller listener). A start waits for them to be
   * free: a broker started while its controller port is still held (a Kafka still stopping)
   * answers metadata but never reaches its controller, and only its log says why.
   */
  alsoBinds?: HostPort[];
  spawnSpec(): SpawnSpec;
  /**
   * Runs once every process of the service answers (the nodes of a Redis Cluster are joined
   * here); idempotent, so a later `up` on a running cluster changes nothing.
   */
  join?(context: StackContext): Promise<void>;
}

/**
 * What a server service derives from its address: startable only on this machine, listening
 * when the port accepts connections, healthy only when its own protocol answers there too.
 */
export function serverAt(
  endpoint: HostPort,
  answers: () => Promise<boolean>,
): Pick<ServerService, 'kind' | 'address' | 'local' | 'isListening' | 'isHealthy'> {
  return {
    kind: 'server',
    address: formatHostPort(endpoint),
    local: isLoopback(endpoint.host),
    isListening: () => isPortOpen(endpoint),
    isHealthy: async () => (await isPortOpen(endpoint)) && (await answers()),
  };
}

/** A program in the venv (dbt): installed, never started. */
export interface ToolService extends ServiceBase {
  kind: 'tool';
}

export type StackService = ServerService | ToolService;
