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

/**
 * Healthy means a client can fetch cluster metadata, not merely that the port is open; a node
 * of a cluster is healthy once it has registered with the quorum (its id is in the metadata).
 */
async function kafkaAnswersMetadata(
  broker: HostPort,
  nodeId?: number,
  timeoutMs = 5_000,
): Promise<boolean> {
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
    return nodeId === undefined
      ? cluster.brokers.length > 0
      : cluster.brokers.some((b) => b.nodeId === nodeId);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function jarsCached(paths: StackPaths): boolean {
  return stampMatches(paths.kafkaLibsStamp, stampFor(paths.kafkaPom, paths.kafkaLibs));
}

/** One Maven run per jars folder at a time: the nodes of a cluster prepare in parallel. */
const jarRuns = new Map<string, Promise<void>>();

function ensureJars(context: StackContext): Promise<void> {
  const key = context.paths.kafkaLibs;
  let run = jarRuns.get(key);
  if (run === undefined) {
    run = resolveJars(context).finally(() => jarRuns.delete(key));
    jarRuns.set(key, run);
  }
  return run;
}

/** Resolves the broker's jars from Maven Central once per pom version. */
async function resolveJars(context: StackContext): Promise<void> {
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

interface NodeFiles {
  dir: string;
  data: string;
  properties: string;
  log4j: string;
}

/** KRaft storage is formatted once; meta.properties marks a formatted log dir. */
async function ensureFormatted(
  context: StackContext,
  node: NodeFiles,
  clusterId: string,
): Promise<void> {
  const { paths } = context;
  if (fs.existsSync(path.join(node.data, 'meta.properties'))) return;
  context.progress(`kafka: formatting KRaft storage in ${node.data}`);
  await runToLog(
    'java',
    [
      '-cp',
      `${paths.kafkaLibs}/*`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      node.properties,
    ],
    paths.logFile('kafka-format'),
    { cwd: node.dir, what: 'formatting the Kafka storage' },
  );
}

/**
 * Every node of a cluster is formatted with the same cluster id; the first node to prepare
 * writes it (exclusive create), the others read it.
 */
function clusterIdOf(paths: StackPaths): string {
  fs.mkdirSync(path.dirname(paths.kafkaClusterId), { recursive: true });
  try {
    fs.writeFileSync(paths.kafkaClusterId, `${newClusterId()}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(paths.kafkaClusterId, 'utf8').trim();
}

/** The Kafka service: one broker, or one service per node of a `--kafka-brokers n` cluster. */
export function kafkaServices(config: StackConfig, paths: StackPaths): ServerService[] {
  if (config.kafkaNodes.length <= 1) return [kafkaService(config, paths)];
  return config.kafkaNodes.map((_, i) => kafkaClusterNode(config, paths, i + 1));
}

function kafkaClusterNode(config: StackConfig, paths: StackPaths, nodeId: number): ServerService {
  const broker = config.kafkaNodes[nodeId - 1]!;
  const dir = paths.kafkaNodeDir(nodeId);
  const node: NodeFiles = {
    dir,
    data: path.join(dir, 'data'),
    properties: path.join(dir, 'server.properties'),
    log4j: path.join(dir, 'log4j2.yaml'),
  };
  return {
    name: 'kafka',
    unit: `kafka-${nodeId}`,
    ...serverAt(broker, () => kafkaAnswersMetadata(broker, nodeId)),
    alsoBinds: [{ host: broker.host, port: broker.port + 1 }],
    prerequisites: (): Prerequisite[] => (jarsCached(paths) ? [JAVA] : [JAVA, MAVEN]),
    prepare: async (context) => {
      await ensureJars(context);
      fs.mkdirSync(node.data, { recursive: true });
      fs.writeFileSync(
        node.properties,
        renderServerProperties({
          broker,
          controllerPort: broker.port + 1,
          dataDir: node.data,
          nodeId,
          cluster: config.kafkaNodes,
        }),
      );
      fs.writeFileSync(node.log4j, KAFKA_LOG4J2_YAML);
      await ensureFormatted(context, node, clusterIdOf(paths));
    },
    spawnSpec: () => ({
      command: 'java',
      args: kafkaJavaArgs({
        log4jFile: node.log4j,
        libsDir: paths.kafkaLibs,
        propertiesFile: node.properties,
      }),
      cwd: node.dir,
      marker: node.properties,
      address: formatHostPort(broker),
    }),
  };
}

function kafkaService(config: StackConfig, paths: StackPaths): ServerService {
  return {
    name: 'kafka',
    ...serverAt(config.kafka, () => kafkaAnswersMetadata(config.kafka)),
    alsoBinds: [{ host: config.kafka.host, port: config.kafka.port + 1 }],
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
      await ensureFormatted(
        context,
        {
          dir: paths.kafkaDir,
          data: paths.kafkaData,
          properties: paths.kafkaProperties,
          log4j: paths.kafkaLog4j,
        },
        newClusterId(),
      );
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
