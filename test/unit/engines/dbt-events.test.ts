import { describe, expect, it } from 'vitest';
import { invocationErrorMessage, parseDbtLogLine } from '../../../src/engines/dbt/events.ts';

// Lines as dbt-core 1.11 prints them with --log-format json (trimmed to the fields we read).
const TEST_RESULT_LINE = JSON.stringify({
  data: {
    attached_node: 'model.strata.crypto_raw',
    index: 6,
    total: 13,
    name: 'bronze_name_not_empty',
    num_failures: 1,
    status: 'warn',
    node_info: {
      unique_id: 'test.strata.bronze_name_not_empty.8d6f0e8a1b',
      resource_type: 'test',
      node_status: 'warn',
    },
  },
  info: {
    code: 'Q007',
    invocation_id: '7464ed70-f404-4e6c-a418-e616aa9d3f51',
    level: 'warn',
    msg: '6 of 13 WARN 1 bronze_name_not_empty .... [\u001b[33mWARN 1\u001b[0m in 0.02s]',
    name: 'LogTestResult',
    ts: '2026-11-26T01:03:03.1Z',
  },
});

const MAIN_ERROR_LINE = JSON.stringify({
  data: { exc: "Runtime Error\n  The profile 'strata' does not have a target named 'nope'." },
  info: {
    level: 'error',
    msg: "Encountered an error:\nRuntime Error\n  The profile 'strata' does not have a target named 'nope'.",
    name: 'MainEncounteredError',
    ts: '2026-11-26T01:03:03.1Z',
  },
});

describe('parseDbtLogLine', () => {
  it('reads the event name, node, progress and a message without colour codes', () => {
    const event = parseDbtLogLine(TEST_RESULT_LINE);
    expect(event.name).toBe('LogTestResult');
    expect(event.level).toBe('warn');
    expect(event.invocationId).toBe('7464ed70-f404-4e6c-a418-e616aa9d3f51');
    expect(event.node).toEqual({
      uniqueId: 'test.strata.bronze_name_not_empty.8d6f0e8a1b',
      resourceType: 'test',
      status: 'warn',
    });
    expect(event.progress).toEqual({ index: 6, total: 13 });
    expect(event.message).toBe('6 of 13 WARN 1 bronze_name_not_empty .... [WARN 1 in 0.02s]');
    expect(event.data.num_failures).toBe(1);
  });

  it('keeps a line that is not a dbt event as RawOutput with its stream', () => {
    const event = parseDbtLogLine('Traceback (most recent call last):', 'stderr');
    expect(event).toMatchObject({
      name: 'RawOutput',
      level: 'warn',
      message: 'Traceback (most recent call last):',
    });
    expect(event.data.stream).toBe('stderr');
    expect(parseDbtLogLine('{"not":"an event"}').name).toBe('RawOutput');
  });
});

describe('invocationErrorMessage', () => {
  it("returns dbt's own error text for an invocation that could not run", () => {
    const events = [parseDbtLogLine(TEST_RESULT_LINE), parseDbtLogLine(MAIN_ERROR_LINE)];
    expect(invocationErrorMessage(events)).toContain("does not have a target named 'nope'");
  });

  it('falls back to the tail of stderr when dbt crashed before logging', () => {
    const events = [parseDbtLogLine('ModuleNotFoundError: No module named dbt', 'stderr')];
    expect(invocationErrorMessage(events)).toBe('ModuleNotFoundError: No module named dbt');
    expect(invocationErrorMessage([])).toBeUndefined();
  });
});
