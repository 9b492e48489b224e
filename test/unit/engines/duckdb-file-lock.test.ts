import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../../src/engines/duckdb/file-lock.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('withFileLock', () => {
  it('runs users of one file one at a time, in arrival order, even when one fails', async () => {
    const order: string[] = [];
    const user = (name: string, fail = false) =>
      withFileLock('/tmp/warehouse-a.duckdb', async () => {
        order.push(`${name}:start`);
        await tick();
        order.push(`${name}:end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([user('dbt', true), user('status'), user('check')]);
    expect(order).toEqual([
      'dbt:start',
      'dbt:end',
      'status:start',
      'status:end',
      'check:start',
      'check:end',
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('does not serialize different files, and treats path spellings of one file as one', async () => {
    const order: string[] = [];
    const hold = (file: string, name: string) =>
      withFileLock(file, async () => {
        order.push(`${name}:start`);
        await tick();
        order.push(`${name}:end`);
      });
    await Promise.all([
      hold('/tmp/b.duckdb', 'b'),
      hold('/tmp/c.duckdb', 'c'),
      hold('/tmp/x/../b.duckdb', 'b2'),
    ]);
    expect(order.slice(0, 2).sort()).toEqual(['b:start', 'c:start']);
    expect(order.indexOf('b2:start')).toBeGreaterThan(order.indexOf('b:end'));
  });
});
