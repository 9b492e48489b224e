import { randomBytes } from 'node:crypto';
import type { HostPort } from './config.ts';

export interface KafkaNodeSettings {
  broker: HostPort;
  /** The KRaft controller listens on the broker port + 1. */
  controllerPort: number;
  dataDir: string;
  /** This node's id (1 for a single node). */
  nodeId?: number;
  /**
   * Every node of a cluster, this one included (node ids 1..n in order, each controller on its
   * broker port + 1); omitted for a single node.
   */
  cluster?: readonly HostPort[];
}

/**
 * Each node is both broker and controller (KRaft combined mode): one node is what a laptop or
 * CI needs; a cluster of three is what MSK gives, so internal topics get replication 3 and
 * min.insync.replicas 2 there, and survive one broker lost.
 */
export function renderServerProperties(settings: KafkaNodeSettings): string {
  const nodes = settings.cluster ?? [settings.broker];
  const nodeId = settings.nodeId ?? 1;
  const replication = Math.min(nodes.length, 3);
  const minIsr = Math.max(1, replication - 1);
  const voters =
    settings.cluster === undefined
      ? `1@${hostPort(settings.broker.host, settings.controllerPort)}`
      : settings.cluster.map((n, i) => `${i + 1}@${hostPort(n.host, n.port + 1)}`).join(',');
  const broker = hostPort(settings.broker.host, settings.broker.port);
  const controller = hostPort(settings.broker.host, settings.controllerPort);
  const entries: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', nodeId],
    ['controller.quorum.voters', voters],
    ['listeners', `PLAINTEXT://${broker},CONTROLLER://${controller}`],
    ['advertised.listeners', `PLAINTEXT://${broker}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', settings.dataDir],
    ['num.partitions', 3],
    ['offsets.topic.replication.factor', replication],
    ['transaction.state.log.replication.factor', replication],
    ['transaction.state.log.min.isr', minIsr],
    ...(nodes.length > 1
      ? ([
          ['default.replication.factor', replication],
          ['min.insync.replicas', minIsr],
        ] as [string, number][])
      : []),
    ['group.initial.rebalance.delay.ms', 0],
  ];
  return `${entries.map(([key, value]) => `${key}=${escapePropertyValue(String(value))}`).join('\n')}\n`;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Java properties treat backslash as an escape; a path containing one must survive. */
function escapePropertyValue(value: string): string {
  return value.replaceAll('\\', '\\\\');
}

/** Broker logs go to stdout, which the stack sends to .stack/logs/kafka.log. */
export const KAFKA_LOG4J2_YAML = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        Pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
`;

/**
 * A cluster id as Kafka's `Uuid.randomUuid()` makes it (16 random bytes, URL-safe base64, no
 * padding, never starting with "-", which the CLI would read as a flag), without starting a JVM.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const bytes = random(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && !isReservedUuid(bytes)) return id;
  }
}

/** Kafka reserves the all-zero id and 0...01 (the metadata topic's id). */
function isReservedUuid(bytes: Buffer): boolean {
  return bytes.subarray(0, 15).every((b) => b === 0) && (bytes[15] === 0 || bytes[15] === 1);
}

export function kafkaJavaArgs(options: {
  log4jFile: string;
  libsDir: string;
  propertiesFile: string;
}): string[] {
  return [
    '-Xmx512m',
    '-Xms256m',
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${options.log4jFile}`,
    '-cp',
    `${options.libsDir}/*`,
    'kafka.Kafka',
    options.propertiesFile,
  ];
}
