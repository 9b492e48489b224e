import { describe, expect, it } from 'vitest';
import { formatStatusTable, isUp, type ServiceStatus } from '../../src/stack/status-format.ts';

const statuses: ServiceStatus[] = [
  { name: 'redis', address: '127.0.0.1:6379', state: 'running-external' },
  {
    name: 'kafka',
    address: '127.0.0.1:19092',
    state: 'running-ours',
    pid: 42,
    log: '/s/logs/kafka.log',
  },
  { name: 'moto', address: '127.0.0.1:5000', state: 'stopped' },
  { name: 'dbt', address: '/p/.venv', state: 'installed' },
];

describe('formatStatusTable', () => {
  it('prints one aligned line per service with its address, state and our pid', () => {
    expect(formatStatusTable(statuses).split('\n')).toEqual([
      'redis  127.0.0.1:6379   running-external',
      'kafka  127.0.0.1:19092  running-ours (pid 42)',
      'moto   127.0.0.1:5000   stopped',
      'dbt    /p/.venv         installed',
    ]);
  });
});

describe('isUp', () => {
  it('counts ours, external and installed as up, and nothing else', () => {
    expect(statuses.map(isUp)).toEqual([true, true, false, true]);
    expect(isUp({ name: 'kafka', address: 'x', state: 'unhealthy', pid: 1 })).toBe(false);
    expect(isUp({ name: 'dbt', address: 'x', state: 'missing' })).toBe(false);
  });
});
