import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../../src/assets/checks/evaluate.ts';
import { freshnessState } from '../../../src/assets/checks/freshness.ts';
import { isBlocking } from '../../../src/assets/checks/types.ts';
import type { CheckSpec } from '../../../src/config/types.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('freshnessState', () => {
  const policy = { warnAfterMs: HOUR, failAfterMs: 2 * HOUR };

  it('measures lag from data time, crossing warn then fail', () => {
    expect(freshnessState(NOW - 30 * 60_000, policy, NOW)).toBe('fresh');
    expect(freshnessState(NOW - 90 * 60_000, policy, NOW)).toBe('warn');
    expect(freshnessState(NOW - 3 * HOUR, policy, NOW)).toBe('fail');
  });

  it('is unknown without a data time, and fresh without a policy', () => {
    expect(freshnessState(null, policy, NOW)).toBe('unknown');
    expect(freshnessState(NOW - 100 * HOUR, undefined, NOW)).toBe('fresh');
  });

  it('treats a policy with only failAfter as fresh until it is crossed', () => {
    expect(freshnessState(NOW - 90 * 60_000, { failAfterMs: 2 * HOUR }, NOW)).toBe('fresh');
    expect(freshnessState(NOW - 121 * 60_000, { failAfterMs: 2 * HOUR }, NOW)).toBe('fail');
  });
});

describe('evaluateChecks', () => {
  const rowCount: CheckSpec = { name: 'has_rows', type: 'row_count', min: 10, severity: 'error' };
  const freshness: CheckSpec = { name: 'is_fresh', type: 'freshness', severity: 'error' };
  const sql: CheckSpec = {
    name: 'no_negatives',
    type: 'sql',
    sql: 'select * from t where x < 0',
    severity: 'warn',
  };

  it('fails an error-severity row_count below its minimum, and says by how much', async () => {
    const [result] = await evaluateChecks([rowCount], { rowCount: 3, dataTime: NOW, now: NOW });
    expect(result).toMatchObject({
      name: 'has_rows',
      status: 'failed',
      message: '3 rows, expected at least 10',
    });
    expect(isBlocking(result!)).toBe(true);
  });

  it('passes a row_count at its minimum', async () => {
    const [result] = await evaluateChecks([rowCount], { rowCount: 10, dataTime: NOW, now: NOW });
    expect(result?.status).toBe('passed');
  });

  it('does not pass a row_count when the asset cannot count rows', async () => {
    const [result] = await evaluateChecks([rowCount], { dataTime: NOW, now: NOW });
    expect(result?.status).toBe('failed');
  });

  it('judges freshness from the data time and the asset policy', async () => {
    const context = { freshness: { warnAfterMs: HOUR, failAfterMs: 2 * HOUR }, now: NOW };
    const fresh = await evaluateChecks([freshness], { ...context, dataTime: NOW - 10 * 60_000 });
    const warn = await evaluateChecks([freshness], { ...context, dataTime: NOW - 90 * 60_000 });
    const fail = await evaluateChecks([freshness], { ...context, dataTime: NOW - 3 * HOUR });
    const unknown = await evaluateChecks([freshness], { ...context, dataTime: null });
    expect([fresh, warn, fail, unknown].map((r) => r[0]?.status)).toEqual([
      'passed',
      'warned',
      'failed',
      'failed',
    ]);
    expect(fail[0]?.message).toBe('past its fail window: data is 3h old');
  });

  it('counts failing rows of a sql check through the engine, downgraded to a warning by severity', async () => {
    const seen: string[] = [];
    const countRows = (query: string): Promise<number> => {
      seen.push(query);
      return Promise.resolve(2);
    };
    const [result] = await evaluateChecks([sql], { dataTime: NOW, now: NOW, countRows });
    expect(seen).toEqual(['select * from t where x < 0']);
    expect(result).toMatchObject({
      status: 'warned',
      failingRows: 2,
      message: '2 failing rows',
      source: 'yaml',
    });
    expect(isBlocking(result!)).toBe(false);
  });

  it('does not pass a sql check whose query fails, and keeps the engine message', async () => {
    const failing = { ...sql, severity: 'error' as const };
    const countRows = (): Promise<number> =>
      Promise.reject(new Error('Catalog Error: Table t does not exist'));
    const [result] = await evaluateChecks([failing], { dataTime: NOW, now: NOW, countRows });
    expect(result).toMatchObject({
      status: 'failed',
      message: 'query failed: Catalog Error: Table t does not exist',
    });
  });

  it('returns results in declaration order', async () => {
    const results = await evaluateChecks([sql, rowCount, freshness], {
      rowCount: 50,
      dataTime: NOW,
      now: NOW,
      countRows: () => Promise.resolve(0),
    });
    expect(results.map((r) => r.name)).toEqual(['no_negatives', 'has_rows', 'is_fresh']);
  });
});
