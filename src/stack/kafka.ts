import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { formatHostPort, type HostPort, type StackConfig, type StackPaths } from './config.ts';
import { runToLog } from './commands.ts';
import {
  KAFKA_LOG4J2_YAML,
  kafkaJavaArgs,
  newClusterId,
  renderServerProperties,
} from './kafka-config.ts';
import { JAVA, MAVEN, type Prerequisite } from './prerequisites.ts';
import { serverAt, type ServerService, type StackContext } from './service.ts';
import { stampFor, stampMatches, writeStamp } from './stamps.ts';

/** Healthy means a client can fetch cluster metadata, not merely that the port is open. */
async function kafkaAnswersMetadata(broker: HostPort, timeoutMs = 5_000): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'strata-stack-probe',
    brokers: [formatHostPort(broker)],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 2_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function jarsCached(paths: StackPaths): boolean {
  return stampMatches(paths.kafkaLibsStamp, stampFor(paths.kafkaPom, paths.kafkaLibs));
}

/** Resolves the broker's jars from Maven Central once per pom version. */
async function ensureJars(context: StackContext): Promise<void> {
  const { paths } = context;
  if (jarsCached(paths)) return;
  context.progress('kafka: resolving Apache Kafka jars with Maven (first run only, ~1 min)');
  fs.rmSync(paths.kafkaLibs, { recursive: true, force: true });
  await runToLog(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      paths.kafkaPom,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${paths.kafkaLibs}`,
    ],
    paths.logFile('kafka-jars'),
    { cwd: context.config.projectRoot, what: 'resolving the Kafka jars with Maven' },
  );
  writeStamp(paths.kafkaLibsStamp, stampFor(paths.kafkaPom, paths.kafkaLibs));
}

/** KRaft storage is formatted once; meta.properties marks a formatted log dir. */
async function ensureFormatted(context: StackContext): Promise<void> {
  const { paths } = context;
  if (fs.existsSync(path.join(paths.kafkaData, 'meta.properties'))) return;
  context.progress('kafka: formatting KRaft storage');
  await runToLog(
    'java',
    [
      '-cp',
      `${paths.kafkaLibs}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      paths.kafkaProperties,
    ],
    paths.logFile('kafka-format'),
    { cwd: paths.kafkaDir, what: 'formatting the Kafka storage' },
  );
}

export function kafkaService(config: StackConfig, paths: StackPaths): ServerService {
  return {
    name: 'kafka',
    ...serverAt(config.kafka, () => kafkaAnswersMetadata(config.kafka)),
    prerequisites: (): Prerequisite[] => (jarsCached(paths) ? [JAVA] : [JAVA, MAVEN]),
    prepare: async (context) => {
      await ensureJars(context);
      fs.mkdirSync(paths.kafkaData, { recursive: true });
      // Rewritten on every start so a changed KAFKA_BROKERS takes effect; the storage does not care.
      const properties = renderServerProperties({
        broker: config.kafka,
        controllerPort: config.kafka.port + 1,
        dataDir: paths.kafkaData,
      });
      fs.writeFileSync(paths.kafkaProperties, properties);
      fs.writeFileSync(paths.kafkaLog4j, KAFKA_LOG4J2_YAML);
      await ensureFormatted(context);
    },
    spawnSpec: () => ({
      command: 'java',
      args: kafkaJavaArgs({
        log4jFile: paths.kafkaLog4j,
        libsDir: paths.kafkaLibs,
        propertiesFile: paths.kafkaProperties,
      }),
      cwd: paths.kafkaDir,
      // unique per state folder, so a pid reused by another broker is not mistaken for ours
      marker: paths.kafkaProperties,
      address: formatHostPort(config.kafka),
    }),
  };
}
