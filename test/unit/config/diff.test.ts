import { describe, expect, it } from 'vitest';
import { parsePipeline, type LoadedPipeline } from '../../../src/config/index.ts';
import { describeConfigChanges } from '../../../src/config/diff.ts';

const BASE = `version: 1
scheduler: { debounce: 1s, tick: 15s, maxConcurrentRuns: 4, backoff: { initial: 30s, max: 30m }, leaseTtl: 15s }
assets:
  raw: { kind: noop }
  stage:
    kind: noop
    deps: [raw]
    freshness: { failAfter: 2h }
    automation: { onUpstream: true, minInterval: 3m }
schedules:
  produce_prices: { cron: '* * * * *', task: produce }
  nightly: { cron: '0 2 * * *', select: stage }
`;

const load = (text: string): LoadedPipeline => parsePipeline(text, '/tmp/pipeline.yaml', {});
const changes = (edit: (text: string) => string): string[] =>
  describeConfigChanges(load(BASE), load(edit(BASE)));

describe('describeConfigChanges: what a reload logs', () => {
  it('an identical file has no change', () => {
    expect(changes((t) => t)).toEqual([]);
  });

  it('names each scheduler setting that changed, with both values', () => {
    expect(
      changes((t) =>
        t.replace(
          'debounce: 1s, tick: 15s, maxConcurrentRuns: 4, backoff: { initial: 30s, max: 30m }, leaseTtl: 15s',
          'debounce: 500ms, tick: 10s, maxConcurrentRuns: 2, backoff: { initial: 1m, max: 1h }, leaseTtl: 20s',
        ),
      ),
    ).toEqual([
      'scheduler.debounce: 1s -> 500ms',
      'scheduler.tick: 15s -> 10s',
      'scheduler.maxConcurrentRuns: 4 -> 2',
      'scheduler.backoff.initial: 30s -> 1m',
      'scheduler.backoff.max: 30m -> 1h',
      'scheduler.leaseTtl: 15s -> 20s (takes effect on restart)',
    ]);
  });

  it('shows milliseconds when the short form would hide the change (1s -> 1500ms)', () => {
    expect(changes((t) => t.replace('debounce: 1s', 'debounce: 1500ms'))).toEqual([
      'scheduler.debounce: 1000ms -> 1500ms',
    ]);
  });

  it('describes schedules added, changed field by field, and removed', () => {
    expect(
      changes((t) =>
        t
          .replace("cron: '* * * * *'", "cron: '*/5 * * * *'")
          .replace(
            "nightly: { cron: '0 2 * * *', select: stage }",
            "hourly: { cron: '0 * * * *', select: raw, timezone: Europe/Berlin }",
          ),
      ),
    ).toEqual([
      "schedule produce_prices: cron '* * * * *' -> '*/5 * * * *'",
      "schedule hourly: added, cron '0 * * * *' (Europe/Berlin)",
      'schedule nightly: removed',
    ]);
    expect(
      changes((t) =>
        t.replace(
          "nightly: { cron: '0 2 * * *', select: stage }",
          "nightly: { cron: '0 2 * * *', select: raw, enabled: false }",
        ),
      ),
    ).toEqual([
      "schedule nightly: target 'select stage' -> 'select raw'",
      "schedule nightly: enabled 'true' -> 'false'",
    ]);
  });

  it('describes asset changes by field (deps, freshness, automation) and assets added', () => {
    expect(
      changes((t) =>
        t
          .replace('freshness: { failAfter: 2h }', 'freshness: { warnAfter: 30m, failAfter: 1h }')
          .replace('minInterval: 3m', 'minInterval: 5m')
          .replace('  raw: { kind: noop }\n', '  raw: { kind: noop }\n  extra: { kind: noop }\n'),
      ),
    ).toEqual([
      'asset extra: added (noop)',
      'asset stage: freshness failAfter 2h -> warnAfter 30m failAfter 1h',
      'asset stage: automation onUpstream=true onFreshness=true minInterval=3m -> onUpstream=true onFreshness=true minInterval=5m',
    ]);
    expect(
      changes((t) =>
        t.replace('    deps: [raw]\n', '').replace('select: stage }', 'select: raw }'),
      ),
    ).toEqual([
      "schedule nightly: target 'select stage' -> 'select raw'",
      'asset stage: deps raw -> -',
    ]);
  });

  it('describes checks by name and an asset removed', () => {
    expect(
      changes((t) =>
        t.replace(
          '    freshness: { failAfter: 2h }\n',
          '    freshness: { failAfter: 2h }\n    checks:\n      - { name: stage_fresh, type: freshness, severity: error }\n',
        ),
      ),
    ).toEqual(['asset stage: checks - -> stage_fresh']);
    const withExtra = BASE.replace(
      '  raw: { kind: noop }\n',
      '  raw: { kind: noop }\n  extra: { kind: noop }\n',
    );
    expect(describeConfigChanges(load(withExtra), load(BASE))).toEqual(['asset extra: removed']);
  });
});
