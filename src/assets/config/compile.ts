import path from 'node:path';
import { parseDuration } from '../../shared/durations.ts';
import type { RawAsset, RawPipeline } from './schema.ts';
import type { AssetSpec, FreshnessPolicy, Pipeline } from './types.ts';

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
      athena: raw.engine.athena,
    },
    runs: { retainPerAsset: raw.runs.retainPerAsset },
  };

  function compileAsset(key: string, asset: RawAsset, pipeline: RawPipeline): AssetSpec {
    const common = {
      key,
      description: asset.description,
      deps: asset.deps,
      tags: asset.tags,
      group: asset.group,
      freshness: asset.freshness && compileFreshness(asset.freshness),
      automation: asset.automation ?? { onUpstream: false, onFreshness: true },
      checks: asset.checks,
      pool: asset.pool,
      retries: asset.retries ?? pipeline.runs.retries,
      timeoutMs: ms(asset.timeout ?? pipeline.runs.timeout),
    };
    switch (asset.kind) {
      case 'dbt':
        return { ...common, kind: 'dbt', model: asset.model ?? key };
      case 'kafka_batches':
        return { ...common, kind: 'kafka_batches' };
      case 'noop':
        return { ...common, kind: 'noop', sleepMs: asset.sleep ? ms(asset.sleep) : 0 };
    }
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
