import { randomBytes } from 'node:crypto';
import type { HostPort } from './config.ts';

export interface KafkaNodeSettings {
  broker: HostPort;
  /** The KRaft controller listens on the broker port + 1. */
  controllerPort: number;
  dataDir: string;
}

/** A single node that is both broker and controller: what a laptop or CI needs, nothing more. */
export function renderServerProperties(settings: KafkaNodeSettings): string {
  const host = settings.broker.host.includes(':')
    ? `[${settings.broker.host}]`
    : settings.broker.host;
  const broker = `${host}:${settings.broker.port}`;
  const controller = `${host}:${settings.controllerPort}`;
  const entries: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${controller}`],
    ['listeners', `PLAINTEXT://${broker},CONTROLLER://${controller}`],
    ['advertised.listeners', `PLAINTEXT://${broker}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', settings.dataDir],
    ['num.partitions', 3],
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
  ];
  return `${entries.map(([key, value]) => `${key}=${escapePropertyValue(String(value))}`).join('\n')}\n`;
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
