/**
 * The compiled pipeline: defaults applied, durations in milliseconds, paths absolute, the graph
 * checked for unknown deps and cycles. This is the only config shape the rest of Strata sees.
 */

export type AssetKind = 'dbt' | 'kafka_batches' | 'noop';
export type Severity = 'warn' | 'error';

export interface FreshnessPolicy {
  warnAfterMs?: number;
  failAfterMs?: number;
}

export type CheckSpec =
  | { name: string; type: 'sql'; sql: string; severity: Severity; description?: string }
  | { name: string; type: 'row_count'; min: number; severity: Severity; description?: string }
  | { name: string; type: 'freshness'; severity: Severity; description?: string };

export interface AutomationPolicy {
  onUpstream: boolean;
  onFreshness: boolean;
  /** Least time between two automated runs of the asset. */
  minIntervalMs: number;
}

interface AssetCommon {
  key: string;
  description?: string;
  deps: string[];
  tags: string[];
  group?: string;
  freshness?: FreshnessPolicy;
  automation: AutomationPolicy;
  checks: CheckSpec[];
  pool?: string;
  retries: number;
  timeoutMs: number;
}

export type AssetSpec =
  | (AssetCommon & { kind: 'dbt'; model: string; vars: Readonly<Record<string, unknown>> })
  | (AssetCommon & { kind: 'kafka_batches' })
  | (AssetCommon & { kind: 'noop'; sleepMs: number });

export interface ScheduleSpec {
  name: string;
  cron: string;
  timezone: string;
  description?: string;
  target: { select: string } | { task: 'produce' };
  enabled: boolean;
}

export interface KafkaSettings {
  topic: string;
  partitions: number;
  replicationFactor: number;
  dlqTopic: string;
}

export interface IngestSettings {
  groupId: string;
  batch: { maxRecords: number; maxBytes: number; maxAgeMs: number };
  maxRecordBytes: number;
  maxBufferedBytes: number;
  /** Kafka session timeout: how long the group waits before replacing a silent member. */
  sessionTimeoutMs: number;
}

export interface StorageSettings {
  kind: 'local' | 's3';
  /**
   * Absolute local root: the lake itself (kind local), or the local mirror of the bucket that
   * the DuckDB engine reads (kind s3 with engine duckdb; see docs/deploy.md).
   */
  root: string;
  bucket?: string;
  prefix: string;
}

export interface ProduceSettings {
  source: 'simulated' | 'coingecko';
  coins: string[];
  seed?: number;
  coingecko: { baseUrl: string; apiKeyEnv: string };
}

export interface EngineSettings {
  kind: 'duckdb' | 'athena';
  /** Absolute path of the dbt project. */
  dbtProject: string;
  duckdbPath: string;
  dbt: DbtEngineSettings;
  athena?: { database: string; workgroup: string; outputLocation: string };
}

export interface DbtEngineSettings {
  mode: 'warm' | 'subprocess';
  vars: Readonly<Record<string, unknown>>;
  /** The profile target every invocation uses. */
  target: string;
}

export interface RunSettings {
  retainPerAsset: number;
}

export interface SchedulerSettings {
  debounceMs: number;
  tickMs: number;
  maxConcurrentRuns: number;
  backoff: { initialMs: number; maxMs: number };
  leaseTtlMs: number;
}

export interface Pipeline {
  /** Absolute path of the file this was loaded from. */
  file: string;
  assets: ReadonlyMap<string, AssetSpec>;
  pools: ReadonlyMap<string, number>;
  schedules: ScheduleSpec[];
  kafka: KafkaSettings;
  ingest: IngestSettings;
  storage: StorageSettings;
  produce: ProduceSettings;
  engine: EngineSettings;
  runs: RunSettings;
  scheduler: SchedulerSettings;
  monitoring: MonitoringSettings;
  alerts: AlertSettings;
}

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND';

export interface MonitoringSettings {
  intervalMs: number;
  /** Never empty: defaults to the ingest group on the pipeline topic. */
  lag: { groups: Array<{ group: string; topic: string }>; window: number; stopAfterMs: number };
  storage: { enabled: boolean; lookbackDays: number };
  cloudwatch: {
    enabled: boolean;
    namespace: string;
    dimensions: Record<string, string>;
    intervalMs: number;
    maxBuffer: number;
    alarms: boolean;
  };
}

interface AlertRuleCommon {
  name: string;
  description?: string;
  severity: Severity;
  forMs: number;
  enabled: boolean;
}

export type AlertRuleSpec = AlertRuleCommon &
  (
    | { kind: 'kafka_lag'; maxLag?: number; statuses?: LagStatus[] }
    | { kind: 'check_failed'; checkSeverity: Severity; assets?: string[] }
    | {
        kind: 'staleness';
        asset: string;
        /** Resolved from the asset's policy when not given; graph checks reject neither. */ maxAgeMs?: number;
      }
    | {
        kind: 'counter_increase';
        metric: string;
        labels: Record<string, string>;
        threshold: number;
        windowMs: number;
      }
    | {
        kind: 'rate_below_baseline';
        metric: string;
        labels: Record<string, string>;
        windowMs: number;
        baselineMs: number;
        ratio: number;
        minBaselineRate: number;
      }
    | {
        kind: 'histogram_above';
        metric: string;
        labels: Record<string, string>;
        threshold: number;
        windowMs: number;
      }
  );

export interface AlertSettings {
  webhook: { urlEnv: string; timeoutMs: number };
  historyLimit: number;
  rules: AlertRuleSpec[];
}
