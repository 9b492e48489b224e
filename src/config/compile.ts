import path from 'node:path';
import { parseDuration } from '../shared/durations.ts';
import type { RawAlertRule, RawAsset, RawPipeline } from './schema.ts';
import type {
  AlertRuleSpec,
  AlertSettings,
  AssetSpec,
  AutomationPolicy,
  FreshnessPolicy,
  MonitoringSettings,
  Pipeline,
} from './types.ts';

/** Turns validated raw config into the compiled Pipeline. Graph checks live in graph-checks.ts. */
export function compilePipeline(raw: RawPipeline, file: string): Pipeline {
  const baseDir = path.dirname(file);
  const projectDir = path.resolve(baseDir, '..');
  const resolve = (p: string): string => path.resolve(projectDir, p);
  const assets = new Map<string, AssetSpec>();
  for (const [key, asset] of Object.entries(raw.assets)) {
    assets.set(key, compileAsset(key, asset, raw));
  }
  return {
    file,
    assets,
    pools: new Map(Object.entries(raw.pools)),
    schedules: Object.entries(raw.schedules).map(([name, s]) => ({
      name,
      cron: s.cron,
      timezone: s.timezone,
      description: s.description,
      target: s.select !== undefined ? { select: s.select } : { task: s.task ?? 'produce' },
      enabled: s.enabled,
    })),
    kafka: {
      topic: raw.kafka.topic,
      partitions: raw.kafka.partitions,
      replicationFactor: raw.kafka.replicationFactor,
      dlqTopic: raw.kafka.dlqTopic ?? `${raw.kafka.topic}.dlq`,
    },
    ingest: {
      groupId: raw.ingest.groupId,
      batch: {
        maxRecords: raw.ingest.batch.maxRecords,
        maxBytes: raw.ingest.batch.maxBytes,
        maxAgeMs: ms(raw.ingest.batch.maxAge),
      },
      maxRecordBytes: raw.ingest.maxRecordBytes,
      maxBufferedBytes: raw.ingest.maxBufferedBytes,
      sessionTimeoutMs: ms(raw.ingest.sessionTimeout),
    },
    storage: {
      kind: raw.storage.kind,
      root: resolve(raw.storage.path),
      bucket: raw.storage.bucket,
      prefix: raw.storage.prefix,
    },
    produce: raw.produce,
    engine: {
      kind: raw.engine.kind,
      dbtProject: resolve(raw.engine.dbtProject),
      duckdbPath: resolve(raw.engine.duckdb?.path ?? './data/warehouse.duckdb'),
      dbt: {
        mode: raw.engine.dbt.mode,
        vars: raw.engine.dbt.vars,
        target: raw.engine.dbt.target ?? (raw.engine.kind === 'duckdb' ? 'local' : 'athena'),
      },
      athena: raw.engine.athena,
    },
    runs: { retainPerAsset: raw.runs.retainPerAsset },
    scheduler: {
      debounceMs: ms(raw.scheduler.debounce),
      tickMs: ms(raw.scheduler.tick),
      maxConcurrentRuns: raw.scheduler.maxConcurrentRuns,
      backoff: {
        initialMs: ms(raw.scheduler.backoff.initial),
        maxMs: ms(raw.scheduler.backoff.max),
      },
      leaseTtlMs: ms(raw.scheduler.leaseTtl),
    },
    monitoring: compileMonitoring(raw),
    alerts: compileAlerts(raw, assets),
  };

  function compileAsset(key: string, asset: RawAsset, pipeline: RawPipeline): AssetSpec {
    const common = {
      key,
      description: asset.description,
      deps: asset.deps,
      tags: asset.tags,
      group: asset.group,
      freshness: asset.freshness && compileFreshness(asset.freshness),
      automation: compileAutomation(asset),
      checks: asset.checks,
      pool: asset.pool,
      retries: asset.retries ?? pipeline.runs.retries,
      timeoutMs: ms(asset.timeout ?? pipeline.runs.timeout),
    };
    switch (asset.kind) {
      case 'dbt':
        return { ...common, kind: 'dbt', model: asset.model ?? key, vars: asset.vars };
      case 'kafka_batches':
        return { ...common, kind: 'kafka_batches' };
      case 'noop':
        return { ...common, kind: 'noop', sleepMs: asset.sleep ? ms(asset.sleep) : 0 };
    }
  }
}

/** dbt builds cost seconds to minutes: by default a landed batch does not start one each time. */
const DEFAULT_DBT_MIN_INTERVAL_MS = 3 * 60_000;

function compileAutomation(asset: RawAsset): AutomationPolicy {
  const raw = asset.automation;
  const fallback = asset.kind === 'dbt' ? DEFAULT_DBT_MIN_INTERVAL_MS : 0;
  return {
    onUpstream: raw?.onUpstream ?? false,
    onFreshness: raw?.onFreshness ?? true,
    minIntervalMs: raw?.minInterval === undefined ? fallback : ms(raw.minInterval),
  };
}

function compileMonitoring(raw: RawPipeline): MonitoringSettings {
  const { lag, storage, cloudwatch } = raw.monitoring;
  return {
    intervalMs: ms(raw.monitoring.interval),
    lag: {
      groups: lag.groups ?? [{ group: raw.ingest.groupId, topic: raw.kafka.topic }],
      window: lag.window,
      stopAfterMs: ms(lag.stopAfter),
    },
    storage,
    cloudwatch: {
      enabled: cloudwatch.enabled,
      namespace: cloudwatch.namespace,
      dimensions: cloudwatch.dimensions,
      intervalMs: ms(cloudwatch.interval),
      maxBuffer: cloudwatch.maxBuffer,
      alarms: cloudwatch.alarms,
    },
  };
}

function compileAlerts(raw: RawPipeline, assets: ReadonlyMap<string, AssetSpec>): AlertSettings {
  return {
    webhook: { urlEnv: raw.alerts.webhook.urlEnv, timeoutMs: ms(raw.alerts.webhook.timeout) },
    historyLimit: raw.alerts.historyLimit,
    rules: Object.entries(raw.alerts.rules).map(([name, rule]) =>
      compileAlertRule(name, rule, assets),
    ),
  };
}

function compileAlertRule(
  name: string,
  rule: RawAlertRule,
  assets: ReadonlyMap<string, AssetSpec>,
): AlertRuleSpec {
  const common = {
    name,
    description: rule.description,
    severity: rule.severity,
    forMs: ms(rule.for),
    enabled: rule.enabled,
  };
  switch (rule.kind) {
    case 'kafka_lag':
      return { ...common, kind: rule.kind, maxLag: rule.maxLag, statuses: rule.statuses };
    case 'check_failed':
      return { ...common, kind: rule.kind, checkSeverity: rule.checkSeverity, assets: rule.assets };
    case 'staleness': {
      const policy = assets.get(rule.asset)?.freshness;
      const maxAgeMs =
        rule.maxAge === undefined ? (policy?.failAfterMs ?? policy?.warnAfterMs) : ms(rule.maxAge);
      return { ...common, kind: rule.kind, asset: rule.asset, maxAgeMs };
    }
    case 'rate_below_baseline':
      return {
        ...common,
        kind: rule.kind,
        metric: rule.metric,
        labels: rule.labels,
        windowMs: ms(rule.window),
        baselineMs: ms(rule.baseline),
        ratio: rule.ratio,
        minBaselineRate: rule.minBaselineRate,
      };
    case 'counter_increase':
    case 'histogram_above':
      return {
        ...common,
        kind: rule.kind,
        metric: rule.metric,
        labels: rule.labels,
        threshold: rule.threshold,
        windowMs: ms(rule.window),
      };
  }
}

function compileFreshness(raw: { warnAfter?: string; failAfter?: string }): FreshnessPolicy {
  return {
    warnAfterMs: raw.warnAfter === undefined ? undefined : ms(raw.warnAfter),
    failAfterMs: raw.failAfter === undefined ? undefined : ms(raw.failAfter),
  };
}

/** Durations were validated by the schema, so a failure here is a bug, not bad input. */
function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`unvalidated duration reached compile: ${text}`);
  return value;
}
