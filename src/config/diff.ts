import { formatDuration } from '../shared/durations.ts';
import type { LoadedPipeline } from './load.ts';
import type { AssetSpec, ScheduleSpec, SchedulerSettings } from './types.ts';

/**
 * What changed between two loaded configs, in the words a reload logs:
 * "schedule produce_prices: cron '* * * * *' -> '*\/5 * * * *'".
 */
export function describeConfigChanges(before: LoadedPipeline, after: LoadedPipeline): string[] {
  return [
    ...schedulerChanges(before.scheduler, after.scheduler),
    ...scheduleChanges(before.schedules, after.schedules),
    ...assetChanges(before, after),
  ];
}

/** The `scheduler:` settings: applied from the next evaluation, leaseTtl on restart. */
function schedulerChanges(before: SchedulerSettings, after: SchedulerSettings): string[] {
  const fields: Array<[string, number, number, 'duration' | 'count']> = [
    ['debounce', before.debounceMs, after.debounceMs, 'duration'],
    ['tick', before.tickMs, after.tickMs, 'duration'],
    ['maxConcurrentRuns', before.maxConcurrentRuns, after.maxConcurrentRuns, 'count'],
    ['backoff.initial', before.backoff.initialMs, after.backoff.initialMs, 'duration'],
    ['backoff.max', before.backoff.maxMs, after.backoff.maxMs, 'duration'],
    ['leaseTtl', before.leaseTtlMs, after.leaseTtlMs, 'duration'],
  ];
  const changes: string[] = [];
  for (const [field, from, to, kind] of fields) {
    if (from === to) continue;
    // formatDuration keeps two units: 1s and 1.5s both read "1s", so show those in ms.
    const words = (ms: number): string =>
      kind === 'count'
        ? String(ms)
        : formatDuration(from) === formatDuration(to)
          ? `${ms}ms`
          : formatDuration(ms);
    const later = field === 'leaseTtl' ? ' (takes effect on restart)' : '';
    changes.push(`scheduler.${field}: ${words(from)} -> ${words(to)}${later}`);
  }
  return changes;
}

function scheduleChanges(before: ScheduleSpec[], after: ScheduleSpec[]): string[] {
  const old = new Map(before.map((s) => [s.name, s]));
  const changes: string[] = [];
  for (const s of after) {
    const was = old.get(s.name);
    old.delete(s.name);
    if (!was) {
      changes.push(`schedule ${s.name}: added, cron '${s.cron}' (${s.timezone})`);
      continue;
    }
    const fields: Array<[string, string, string]> = [
      ['cron', was.cron, s.cron],
      ['timezone', was.timezone, s.timezone],
      ['target', targetOf(was), targetOf(s)],
      ['enabled', String(was.enabled), String(s.enabled)],
    ];
    for (const [field, from, to] of fields) {
      if (from !== to) changes.push(`schedule ${s.name}: ${field} '${from}' -> '${to}'`);
    }
  }
  for (const name of old.keys()) changes.push(`schedule ${name}: removed`);
  return changes;
}

function assetChanges(before: LoadedPipeline, after: LoadedPipeline): string[] {
  const changes: string[] = [];
  for (const [key, spec] of after.assets) {
    const was = before.assets.get(key);
    if (!was) {
      changes.push(`asset ${key}: added (${spec.kind})`);
      continue;
    }
    const fields: Array<[string, string, string]> = [
      ['deps', was.deps.join(',') || '-', spec.deps.join(',') || '-'],
      ['freshness', freshnessOf(was), freshnessOf(spec)],
      ['automation', automationOf(was), automationOf(spec)],
      [
        'checks',
        was.checks.map((c) => c.name).join(',') || '-',
        spec.checks.map((c) => c.name).join(',') || '-',
      ],
    ];
    for (const [field, from, to] of fields) {
      if (from !== to) changes.push(`asset ${key}: ${field} ${from} -> ${to}`);
    }
    if (JSON.stringify(was) !== JSON.stringify(spec) && !fields.some(([, a, b]) => a !== b)) {
      changes.push(`asset ${key}: definition changed`);
    }
  }
  for (const key of before.assets.keys()) {
    if (!after.assets.has(key)) changes.push(`asset ${key}: removed`);
  }
  return changes;
}

function targetOf(s: ScheduleSpec): string {
  return 'select' in s.target ? `select ${s.target.select}` : `task ${s.target.task}`;
}

function freshnessOf(spec: AssetSpec): string {
  const f = spec.freshness;
  if (!f) return 'none';
  const parts: string[] = [];
  if (f.warnAfterMs !== undefined) parts.push(`warnAfter ${formatDuration(f.warnAfterMs)}`);
  if (f.failAfterMs !== undefined) parts.push(`failAfter ${formatDuration(f.failAfterMs)}`);
  return parts.join(' ');
}

function automationOf(spec: AssetSpec): string {
  const a = spec.automation;
  return `onUpstream=${a.onUpstream} onFreshness=${a.onFreshness} minInterval=${formatDuration(a.minIntervalMs)}`;
}
