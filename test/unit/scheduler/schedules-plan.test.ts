import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '../../../src/config/index.ts';
import { planReconcile, type TickData } from '../../../src/scheduler/schedules/index.ts';

const select = (name: string, cron: string, selection = 'a', timezone = 'UTC'): ScheduleSpec => ({
  name,
  cron,
  timezone,
  target: { select: selection },
  enabled: true,
});
const stored = (name: string, pattern: string, data: TickData, tz?: string) => ({
  name,
  pattern,
  tz,
  data,
});

describe('planReconcile', () => {
  it('adds new schedules and describes them', () => {
    const plan = planReconcile([select('nightly', '0 2 * * *')], []);
    expect(plan.upserts.map((s) => s.name)).toEqual(['nightly']);
    expect(plan.removals).toEqual([]);
    expect(plan.changes).toEqual([
      {
        name: 'nightly',
        kind: 'added',
        description: "schedule nightly added: cron '0 2 * * *' (UTC), select 'a'",
      },
    ]);
  });

  it('leaves an unchanged schedule alone', () => {
    const plan = planReconcile(
      [select('nightly', '0 2 * * *')],
      [stored('nightly', '0 2 * * *', { schedule: 'nightly', select: 'a' })],
    );
    expect(plan).toEqual({ upserts: [], removals: [], changes: [] });
  });

  it('upserts a changed cron, time zone or target in place and says what changed', () => {
    const plan = planReconcile(
      [select('nightly', '*/5 * * * *', 'a+', 'Europe/Berlin')],
      [stored('nightly', '* * * * *', { schedule: 'nightly', select: 'a' })],
    );
    expect(plan.upserts.map((s) => s.name)).toEqual(['nightly']);
    expect(plan.removals).toEqual([]);
    expect(plan.changes[0]?.description).toBe(
      "schedule nightly: cron '* * * * *' -> '*/5 * * * *', timezone UTC -> Europe/Berlin, select 'a' -> select 'a+'",
    );
  });

  it('removes schedules that are gone or disabled', () => {
    const plan = planReconcile(
      [{ ...select('paused', '0 * * * *'), enabled: false }],
      [
        stored('paused', '0 * * * *', { schedule: 'paused', select: 'a' }),
        stored('gone', '0 1 * * *', { schedule: 'gone', task: 'produce' }),
      ],
    );
    expect(plan.upserts).toEqual([]);
    expect(plan.removals).toEqual(['paused', 'gone']);
    expect(plan.changes.map((c) => c.description)).toEqual([
      "schedule paused disabled (was cron '0 * * * *')",
      "schedule gone removed (was cron '0 1 * * *')",
    ]);
  });
});
