import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { parsePipeline, type LoadedPipeline } from '../../src/config/index.ts';
import type { AlertSink } from '../../src/monitoring/alerts/sinks.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { createLagAdmin } from '../../src/monitoring/lag/kafka-admin.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { alertSinks } from '../../src/monitoring/runtime.ts';
import { createApp } from '../../src/server/app.ts';
import { listen, type RunningServer } from '../../src/server/server.ts';
import { createLogger, type Logger } from '../../src/shared/logger.ts';
import { serviceSettings } from '../../src/shared/settings.ts';

/**
 * Shared pieces of the monitoring integration tests: unique Redis prefixes and Kafka names per
 * test, the monitor's Kafka admin, a local webhook receiver and the sinks that reach it, temp
 * configs, an in-process `strata serve`, and a strict Prometheus text reader.
 */

const settings = serviceSettings();

export function uniqueName(kind: string): string {
  return `test-mon-${kind}-${randomUUID().slice(0, 8)}`;
}

export function quietLogger(): Logger {
  return createLogger('test', process.env.STRATA_TEST_LOG_LEVEL ?? 'silent');
}

export function connectRedis(): Redis {
  return new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
}

export function kafkaClient(): Kafka {
  return new Kafka({
    clientId: uniqueName('client'),
    brokers: settings.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

/** The lag admin `strata monitor` uses, connected; the caller disconnects it. */
export async function connectLagAdmin(): Promise<Admin> {
  const admin = createLagAdmin(settings.kafkaBrokers, quietLogger());
  await admin.connect();
  return admin;
}

/** A pipeline with one noop asset plus the sections a test adds; written to a temp dir. */
export function testPipeline(
  extra: string,
  assets = 'assets:\n  a:\n    kind: noop\n',
): { pipeline: LoadedPipeline; file: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-mon-'));
  const file = path.join(dir, 'pipeline.yaml');
  const text = `version: 1\n${assets}${extra}`;
  writeFileSync(file, text);
  return {
    pipeline: parsePipeline(text, file, {}),
    file,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface WebhookReceiver {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that records every JSON body POSTed to it. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The sinks `strata monitor` builds from the pipeline (log, webhook), the webhook's URL ours. */
export function sinksTo(
  webhook: WebhookReceiver,
  pipeline: LoadedPipeline,
  logger: Logger,
): AlertSink[] {
  return alertSinks(pipeline, { [pipeline.alerts.webhook.urlEnv]: webhook.url }, logger);
}

/** `strata serve` in this process on 127.0.0.1:0, serving the deployment under `prefix`. */
export async function serveInProcess(
  redis: Redis,
  prefix: string,
  apiToken?: string,
): Promise<RunningServer> {
  const metrics = new ProcessMetrics();
  const snapshots = new MetricsSnapshotPublisher(redis, new MonitorKeys(prefix), metrics.registry, {
    role: 'server',
  });
  const app = createApp({
    redis,
    keyPrefix: prefix,
    registry: metrics.registry,
    instance: snapshots.instance,
    logger: quietLogger(),
    apiToken,
  });
  return listen(app, { host: '127.0.0.1', port: 0, apiToken, logger: quietLogger() });
}

/** A port nothing listens on: bound, read, released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/**
 * A strict reader of the Prometheus text format (0.0.4): HELP and TYPE comments, samples with
 * escaped label values, float values. Throws on the first malformed line, a sample of a family
 * whose TYPE came later, or a duplicate series.
 */
export function parsePrometheusText(text: string): {
  types: Map<string, string>;
  samples: PromSample[];
} {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      if (!METRIC_NAME.test(line.slice(7).split(' ')[0] ?? ''))
        throw new Error(`bad HELP, ${where}`);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (
        !name ||
        !METRIC_NAME.test(name) ||
        !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')
      )
        throw new Error(`bad TYPE, ${where}`);
      if (types.has(name)) throw new Error(`TYPE repeated, ${where}`);
      types.set(name, type!);
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample, ${where}`);
    const [, name, rawLabels, rawValue] = m as unknown as [
      string,
      string,
      string | undefined,
      string,
    ];
    const labels: Record<string, string> = {};
    if (rawLabels) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < rawLabels.length) {
        const l = LABEL.exec(rawLabels);
        if (!l) throw new Error(`bad labels, ${where}`);
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const value = parseFloatLikeGo(rawValue);
    if (value === undefined) throw new Error(`bad value, ${where}`);
    const family = [...types.keys()].find(
      (f) =>
        name === f ||
        (['_bucket', '_sum', '_count'].some((s) => name === f + s) && types.get(f) !== 'gauge'),
    );
    if (family === undefined) throw new Error(`sample before its TYPE, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    samples.push({ name, labels, value });
  });
  return { types, samples };
}

/** Values as Prometheus reads them (Go's strconv.ParseFloat): NaN and Inf in any case. */
function parseFloatLikeGo(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (['inf', '+inf', 'infinity', '+infinity'].includes(lower)) return Infinity;
  if (['-inf', '-infinity'].includes(lower)) return -Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}
