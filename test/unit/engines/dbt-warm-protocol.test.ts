import { describe, expect, it } from 'vitest';
import { parseDbtVars as dbtVars } from '../../../src/cli/dbt-vars.ts';
import { UsageError } from '../../../src/shared/errors.ts';
import { encodeRequest, parseWarmMessage } from '../../../src/engines/dbt/warm/protocol.ts';

describe('the warm dbt protocol', () => {
  it('reads ready, event and result lines, and nothing else', () => {
    expect(parseWarmMessage('{"type":"ready","pid":7,"dbtVersion":"1.11.16"}')).toEqual({
      type: 'ready',
      pid: 7,
      dbtVersion: '1.11.16',
    });
    expect(
      parseWarmMessage('{"type":"event","id":"a","event":{"info":{"name":"X"},"data":{}}}'),
    ).toMatchObject({ type: 'event', id: 'a' });
    expect(
      parseWarmMessage(
        '{"type":"result","id":"a","exitCode":1,"error":null,"parsed":false,"elapsedMs":640}',
      ),
    ).toEqual({ type: 'result', id: 'a', exitCode: 1, error: null, parsed: false, elapsedMs: 640 });
    // dbt's own exit codes only; anything else is not a protocol line.
    expect(
      parseWarmMessage(
        '{"type":"result","id":"a","exitCode":3,"error":null,"parsed":false,"elapsedMs":1}',
      ),
    ).toBeUndefined();
    expect(parseWarmMessage('Traceback (most recent call last):')).toBeUndefined();
    expect(parseWarmMessage('{"type":"hello"}')).toBeUndefined();
  });

  it('writes one request per line', () => {
    const line = encodeRequest({ type: 'invoke', id: 'a', args: ['build'], cwd: '/p', env: {} });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      type: 'invoke',
      id: 'a',
      args: ['build'],
      cwd: '/p',
      env: {},
    });
  });
});

describe('strata materialize --vars', () => {
  it('takes a YAML or JSON mapping, as dbt does', () => {
    expect(dbtVars('{as_of: "2026-11-25T12:00:00Z", min_price: 1}')).toEqual({
      as_of: '2026-11-25T12:00:00Z',
      min_price: 1,
    });
    expect(dbtVars('{"gold_recency_hours": 0}')).toEqual({ gold_recency_hours: 0 });
  });

  it('rejects what is not a mapping', () => {
    expect(() => dbtVars('[1, 2]')).toThrow(UsageError);
    expect(() => dbtVars('7')).toThrow(/must be a mapping/);
    expect(() => dbtVars('{a: [')).toThrow(/must be a YAML or JSON mapping/);
  });
});
