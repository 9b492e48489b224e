import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cronProblem, nextFireTime } from '../../../src/config/cron.ts';
import { parsePipeline } from '../../../src/config/index.ts';
import { ConfigError } from '../../../src/shared/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;
const dependencies = (pkg: Record<string, unknown>): Record<string, string> =>
  pkg.dependencies as Record<string, string>;

describe('cron expressions are read by the parser BullMQ fires them with', () => {
  it('pins the exact cron-parser version BullMQ depends on, installed once', () => {
    const ours = dependencies(readJson('package.json'))['cron-parser'];
    const bullmqs = dependencies(readJson('node_modules/bullmq/package.json'))['cron-parser'];
    expect(ours).toBe(bullmqs);
    // One copy: BullMQ resolves the same cron-parser file as Strata does.
    const fromBullmq = createRequire(path.join(ROOT, 'node_modules/bullmq/package.json'));
    const fromStrata = createRequire(path.join(ROOT, 'package.json'));
    expect(fromBullmq.resolve('cron-parser')).toBe(fromStrata.resolve('cron-parser'));
    expect(readJson('node_modules/cron-parser/package.json').version).toBe(ours);
  });

  it('rejects "H * * * *", which cron-parser 5 accepted and BullMQ never fires', () => {
    expect(cronProblem('H * * * *')).toMatch(/Invalid characters/);
    let error: unknown;
    try {
      parsePipeline(
        `version: 1
assets:
  a:
    kind: noop
schedules:
  hashed:
    cron: 'H * * * *'
    select: a
`,
        '/tmp/pipeline.yaml',
        {},
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const rejected = error as ConfigError;
    expect([rejected.line, rejected.col]).toEqual([7, 11]);
    expect(rejected.key).toBe('schedules.hashed.cron');
    expect(rejected.detail).toContain(
      'not a valid cron expression (Invalid characters, got value: H)',
    );
  });

  it('accepts a seconds field, macros and L', () => {
    for (const expression of ['*/5 * * * * *', '@daily', '0 0 L * *', '0 9 * * 1-5'])
      expect(cronProblem(expression), expression).toBeUndefined();
  });

  it('computes the next fire time in the schedule time zone', () => {
    const from = Date.parse('2026-03-01T12:00:00Z');
    expect(nextFireTime('*/5 * * * * *', 'UTC', from)).toBe(from + 5_000);
    // 09:00 in Berlin is 08:00 UTC in winter.
    expect(nextFireTime('0 9 * * *', 'Europe/Berlin', from)).toBe(
      Date.parse('2026-03-02T08:00:00Z'),
    );
    expect(nextFireTime('0 9 * * *', 'America/New_York', from)).toBe(
      Date.parse('2026-03-01T14:00:00Z'),
    );
    expect(nextFireTime('H * * * *', 'UTC', from)).toBeUndefined();
  });
});
