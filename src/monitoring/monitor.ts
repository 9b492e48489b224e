import { hostname } from 'node:os';
import type { RedisClient } from '../redis/connection.ts';
import type { Admin } from 'kafkajs';
import type { Pipeline } from '../config/types.ts';
import { sleep } from '../shared/backoff.ts';
import { DeadlineExceededError, withDeadline } from '../shared/deadline.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { ObjectStore } from '../storage/index.ts';
import { AlertEngine, type EvaluationResult } from './alerts/engine.ts';
import type { Signals } from './alerts/signals.ts';
import type { AlertSink } from './alerts/sinks.ts';
import { AlertStore } from './alerts/store.ts';
import type { AlertState } from './alerts/types.ts';
import type { AssetHealthSource } from './asset-health.ts';
import { datumsFromTick } from './cloudwatch/datums.ts';
import type { CloudWatchPublisher } from './cloudwatch/publisher.ts';
import type { MonitorKeys } from './keys.ts';
import { LagMonitor } from './lag/lag-monitor.ts';
import type { GroupLagReport } from './lag/report.ts';
import { LeaderLease, RedisLease, leaseKeys } from '../redis/lease.ts';
import { HealthHistory, healthSample, type HealthSample } from './health/history.ts';
import { MetricHistory, type Tick } from './metrics/history.ts';
import type { ProcessMetrics } from './metrics/registry.ts';
import { readSnapshots } from './metrics/snapshot.ts';
import { StorageStats, type StoragePass } from './storage/storage-stats.ts';

export type MonitorState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface MonitorOptions {
  pipeline: Pick<Pipeline, 'monitoring' | 'alerts' | 'assets' | 'storage' | 'kafka'>;
  redis: RedisClient;
  keys: MonitorKeys;
  metrics: ProcessMetrics;
  logger: Logger;
  sinks: readonly AlertSink[];
  /** Each source is optional: a monitor without Kafka still evaluates freshness and checks. */
  kafkaAdmin?: Admin;
  objectStore?: Pick<ObjectStore, 'list'>;
  assetHealth?: AssetHealthSource;
  cloudwatch?: CloudWatchPublisher;
  /** Refreshes this process's own metrics snapshot before the deployment's are read. */
  publishOwnMetrics?: () => Promise<void>;
  /** Defaults to the pipeline's monitoring interval. */
  intervalMs?: number;
  /** How long the evaluating monitor keeps the lease without renewing; default 3 intervals (min 10 s). */
  leaseTtlMs?: number;
  /**
   * How long one collector (lag, storage, asset health, metrics) may take before the pass goes on
   * without it; default the interval, at least 5 s, at most a third of the lease.
   */
  stepTimeoutMs?: number;
  now?: () => number;
}

export interface PassResult {
  /** Whether this monitor evaluated: false for a read-only look while another one leads. */
  leader: boolean;
  lag?: GroupLagReport[];
  storage?: StoragePass;
  alerts?: EvaluationResult;
  /** A read-only look's alert states, as the leader last recorded them. */
  currentAlerts?: AlertState[];
  /** Collectors that failed or timed out in this pass, with why. */
  errors?: Partial<Record<Step, string>>;
}

type Step = 'lag' | 'storage' | 'assets' | 'metrics' | 'alerts' | 'samples';

/**
 * `strata monitor`: every interval, the monitor holding the Redis lease reads Kafka lag, storage
 * and asset health, evaluates the alert rules and hands metrics to CloudWatch. Other monitors
 * wait as standbys. The collectors run side by side, each with a deadline, and each fails on its
 * own: a hung storage listing or a Kafka outage is reported (log line and
 * `strata_monitor_errors_total{step}`) while lag and freshness are still evaluated on schedule,
 * and the pass stays well inside the lease.
 */
export class Monitor {
  private currentState: MonitorState = 'idle';
  private readonly lease: LeaderLease;
  private readonly lag?: LagMonitor;
  private readonly storage?: StorageStats;
  private readonly history: MetricHistory;
  private readonly engine: AlertEngine;
  private readonly alertStore: AlertStore;
  private readonly healthHistory: HealthHistory;
  /** The previous metrics tick's time: ingest counts per sample are increases since then. */
  private previousTickAt: number | undefined;
  private readonly intervalMs: number;
  private readonly stepTimeoutMs: number;
  /** A storage refresh still running after its pass gave up on it; the next one waits for it. */
  private storageRefresh: Promise<StoragePass | undefined> | undefined;
  private readonly now: () => number;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private leader = false;

  constructor(private readonly options: MonitorOptions) {
    const { monitoring, alerts } = options.pipeline;
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? monitoring.intervalMs;
    const leaseTtlMs = options.leaseTtlMs ?? Math.max(10_000, 3 * this.intervalMs);
    this.stepTimeoutMs =
      options.stepTimeoutMs ??
      Math.min(Math.max(5_000, this.intervalMs), Math.floor(leaseTtlMs / 3));
    this.lease = new LeaderLease(
      new RedisLease(options.redis, leaseKeys(options.keys.lease()), leaseTtlMs),
      `monitor@${hostname()}:${process.pid}`,
    );
    if (options.kafkaAdmin) {
      this.lag = new LagMonitor(options.kafkaAdmin, {
        ...monitoring.lag,
        metrics: options.metrics.lag(),
        now: this.now,
      });
    }
    if (options.objectStore && monitoring.storage.enabled) {
      this.storage = new StorageStats(options.objectStore, {
        prefix: options.pipeline.storage.prefix,
        lookbackDays: monitoring.storage.lookbackDays,
        partitions: Array.from({ length: options.pipeline.kafka.partitions }, (_, partition) => ({
          topic: options.pipeline.kafka.topic,
          partition,
        })),
        metrics: options.metrics.storage(),
        now: this.now,
      });
    }
    this.history = new MetricHistory(longestWindow(alerts.rules) + 3 * this.intervalMs);
    this.alertStore = new AlertStore(options.redis, options.keys, alerts.historyLimit);
    this.healthHistory = new HealthHistory(options.redis, options.keys);
    this.engine = new AlertEngine({
      rules: alerts.rules,
      store: this.alertStore,
      sinks: options.sinks,
      logger: options.logger,
      metrics: options.metrics.monitor(),
    });
  }

  get state(): MonitorState {
    return this.currentState;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.currentState !== 'idle') return;
    this.currentState = 'running';
    this.options.cloudwatch?.start();
    this.loop = this.run();
  }

  /** One pass, as the loop runs it: a standby returns at once with `leader: false`. */
  async runOnce(): Promise<PassResult> {
    if (!(await this.holdLease())) return { leader: false };
    const now = this.now();
    const errors: PassResult['errors'] = {};
    const [lag, storage, health] = await Promise.all([
      this.step('lag', errors, () => this.collectLag(true)),
      this.step('storage', errors, () => this.refreshStorage()),
      this.step('assets', errors, () => this.readAssetHealth(now)),
    ]);
    // After the collectors, so the snapshot it publishes (and CloudWatch receives) carries this
    // pass's lag, storage and freshness gauges, not the previous pass's; each collector has its
    // own deadline, so a hung one delays it by that much at most.
    const metrics = await this.step('metrics', errors, () => this.readMetrics(now));
    // Renewed before evaluating, so a slow pass cannot notify on a lease it no longer holds.
    if (!(await this.holdLease())) return { leader: false, lag, storage, errors };
    const signals: Signals = {
      now,
      lag,
      checks: health?.checks,
      dataTimes: health?.dataTimes,
      metrics: metrics ? this.history : undefined,
    };
    const alerts = await this.step('alerts', errors, () =>
      this.engine.evaluate(signals, this.lease.token ?? ''),
    );
    if (alerts && !alerts.committed) this.loseLeadership('lease lost during the pass');
    if (this.leader)
      await this.step('samples', errors, () =>
        this.recordSamples(now, lag, storage, metrics, alerts),
      );
    return { leader: this.leader, lag, storage, alerts, errors };
  }

  /**
   * `strata monitor --once`: a full pass when this monitor can lead; otherwise a read-only look
   * (lag, storage, asset health, and the alert states the leader recorded) that writes nothing,
   * evaluates nothing and notifies nobody.
   */
  async passOrLook(): Promise<PassResult> {
    const pass = await this.runOnce();
    if (pass.leader) return pass;
    const now = this.now();
    const errors: PassResult['errors'] = {};
    const [lag, storage, currentAlerts] = await Promise.all([
      this.step('lag', errors, () => this.collectLag(false)),
      this.step('storage', errors, () => this.refreshStorage()),
      this.step('alerts', errors, () => this.alertStore.states()),
      this.step('assets', errors, () => this.readAssetHealth(now)),
    ]);
    return { leader: false, lag, storage, currentAlerts, errors };
  }

  /** Graceful stop: finish the current pass, give the lease up, flush CloudWatch. Safe twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      if (this.currentState === 'running') this.currentState = 'stopping';
      this.stop.abort(new Error('monitor stopping'));
      await this.loop;
      const steps: Array<[string, () => Promise<void> | undefined]> = [
        ['release lease', () => (this.leader ? this.lease.release() : undefined)],
        ['flush CloudWatch', () => this.options.cloudwatch?.close()],
      ];
      for (const [name, fn] of steps) {
        try {
          await fn();
        } catch (error) {
          this.options.logger.warn(
            { step: name, err: errorMessage(error) },
            'monitor shutdown step failed',
          );
        }
      }
      this.leader = false;
      this.currentState = 'stopped';
    })());
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const started = this.now();
      try {
        await this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: errorMessage(error) }, 'monitor pass failed');
      }
      try {
        await sleep(Math.max(0, this.intervalMs - (this.now() - started)), this.stop.signal);
      } catch {
        return;
      }
    }
  }

  private async holdLease(): Promise<boolean> {
    let held: boolean;
    try {
      held = await this.lease.hold();
    } catch (error) {
      this.options.logger.warn(
        { err: errorMessage(error) },
        'cannot reach Redis for the monitor lease',
      );
      held = false;
    }
    if (held && !this.leader)
      this.options.logger.info({ lease: this.lease.key }, 'this monitor now evaluates alert rules');
    if (!held && this.leader) this.loseLeadership('another monitor holds the lease');
    this.leader = held;
    return held;
  }

  private loseLeadership(reason: string): void {
    this.options.logger.warn({ reason }, 'this monitor stops evaluating');
    this.leader = false;
    this.lag?.reset();
  }

  /** Reads lag; the leader also records it in Redis for `strata status` and the UI. */
  private async collectLag(record: boolean): Promise<GroupLagReport[] | undefined> {
    if (!this.lag) return undefined;
    const reports = await this.lag.collect();
    for (const r of reports)
      if (r.error)
        this.options.logger.warn(
          { group: r.group, topic: r.topic, err: r.error },
          'cannot read consumer lag',
        );
    if (!record) return reports;
    const ttl = Math.max(30_000, 5 * this.intervalMs);
    await this.options.redis.set(this.options.keys.lag(), JSON.stringify(reports), 'PX', ttl);
    return reports;
  }

  private async readAssetHealth(now: number) {
    if (!this.options.assetHealth) return undefined;
    const assets = [...this.options.pipeline.assets.keys()];
    const [dataTimes, checks] = await Promise.all([
      this.options.assetHealth.dataTimes(assets),
      this.options.assetHealth.latestChecks(assets),
    ]);
    const gauge = this.options.metrics.orchestrator().freshnessLag;
    for (const [asset, dataTime] of dataTimes) {
      if (dataTime === null) gauge.remove({ asset });
      else gauge.set({ asset }, Math.max(0, (now - dataTime) / 1000));
    }
    return { dataTimes, checks };
  }

  /** The health page's series: one sample per pass, and storage per day when it was counted. */
  private async recordSamples(
    now: number,
    lag: GroupLagReport[] | undefined,
    storage: StoragePass | undefined,
    tick: Tick | undefined,
    alerts: EvaluationResult | undefined,
  ): Promise<void> {
    let ingest: HealthSample['ingest'] = null;
    if (tick) {
      if (this.previousTickAt !== undefined)
        ingest = {
          consumed: this.history.tickIncrease(tick, 'strata_ingest_records_consumed_total'),
          landed: this.history.tickIncrease(tick, 'strata_ingest_records_valid_total'),
          objects: this.history.tickIncrease(tick, 'strata_ingest_objects_written_total'),
          sinceMs: tick.at - this.previousTickAt,
        };
      this.previousTickAt = tick.at;
    }
    const states = alerts?.committed ? alerts.states : undefined;
    await Promise.all([
      this.healthHistory.record(healthSample(now, lag, ingest, states)),
      storage ? this.healthHistory.recordStorage({ at: now, days: storage.days }) : undefined,
    ]);
  }

  private async readMetrics(now: number): Promise<Tick> {
    await this.options.publishOwnMetrics?.();
    const tick = this.history.record(
      await readSnapshots(this.options.redis, this.options.keys),
      now,
    );
    const cloudwatch = this.options.cloudwatch;
    if (cloudwatch)
      cloudwatch.enqueue(
        datumsFromTick(tick, this.history, this.options.pipeline.monitoring.cloudwatch.dimensions),
      );
    return tick;
  }

  /**
   * Storage listing, one at a time: a listing the previous pass gave up on may still be running
   * (a store call ends at its own deadline), and two would count the same objects twice.
   */
  private refreshStorage(): Promise<StoragePass | undefined> {
    if (!this.storage) return Promise.resolve(undefined);
    if (this.storageRefresh)
      return Promise.reject(new Error('the previous storage listing has not finished yet'));
    const refresh = this.storage.refresh().finally(() => (this.storageRefresh = undefined));
    this.storageRefresh = refresh;
    return refresh;
  }

  /** Runs one collector within its deadline; a failure is logged, counted and reported, never thrown. */
  private async step<T>(
    name: Step,
    errors: NonNullable<PassResult['errors']>,
    fn: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await withDeadline(`monitor ${name} step`, this.stepTimeoutMs, fn);
    } catch (error) {
      errors[name] = errorMessage(error);
      this.options.metrics.monitor().evaluationErrors.inc({ step: name });
      this.options.logger.error(
        {
          step: name,
          timedOut: error instanceof DeadlineExceededError,
          err: errorMessage(error),
        },
        name === 'storage' ? 'storage error: cannot read storage stats' : 'monitor step failed',
      );
      return undefined;
    }
  }
}

function longestWindow(rules: Pipeline['alerts']['rules']): number {
  let longest = 0;
  for (const rule of rules) {
    if (rule.kind === 'counter_increase' || rule.kind === 'histogram_above')
      longest = Math.max(longest, rule.windowMs);
    if (rule.kind === 'rate_below_baseline') longest = Math.max(longest, rule.baselineMs);
  }
  return longest;
}
