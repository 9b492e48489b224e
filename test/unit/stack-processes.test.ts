import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isRecordedProcess,
  isRunning,
  parsePidRecord,
  readPidFile,
  spawnDetached,
  stopProcess,
  writePidFile,
  type PidRecord,
} from '../../src/stack/processes.ts';
import {
  findExecutable,
  missingPrerequisitesMessage,
  JAVA,
  MAVEN,
  PYTHON,
  REDIS,
} from '../../src/stack/prerequisites.ts';
import { waitUntil } from '../../src/stack/probe.ts';
import { stampFor, stampMatches, writeStamp } from '../../src/stack/stamps.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-stack-unit-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const record: PidRecord = {
  pid: 1234,
  marker: 'redis-server',
  address: '127.0.0.1:6379',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('pid files', () => {
  it('round-trip through the file', () => {
    const file = path.join(dir, 'run', 'redis.pid');
    writePidFile(file, record);
    expect(readPidFile(file)).toEqual(record);
  });

  it('treat a missing, empty or corrupt file as no process', () => {
    expect(readPidFile(path.join(dir, 'absent.pid'))).toBeUndefined();
    expect(parsePidRecord('')).toBeUndefined();
    expect(parsePidRecord('{"pid":"12"}')).toBeUndefined();
    expect(parsePidRecord('{"pid":-1,"marker":"x","address":"a","startedAt":""}')).toBeUndefined();
    expect(parsePidRecord('{"pid":12,"marker":"x","startedAt":""}')).toBeUndefined();
  });
});

describe('isRecordedProcess', () => {
  it('is ours when alive and its command line carries the marker', () => {
    expect(isRecordedProcess(record, { alive: true, cmdline: 'redis-server 127.0.0.1:6379' })).toBe(
      true,
    );
  });

  it('is not ours when the pid was reused by another program', () => {
    expect(
      isRecordedProcess(record, { alive: true, cmdline: '/usr/bin/postgres -D /var/lib' }),
    ).toBe(false);
  });

  it('is not ours when the process is gone', () => {
    expect(isRecordedProcess(record, { alive: false })).toBe(false);
  });

  it('trusts liveness alone where the command line cannot be read', () => {
    expect(isRecordedProcess(record, { alive: true })).toBe(true);
  });
});

describe('spawnDetached and stopProcess', () => {
  it('starts a process writing to its log and stops it with SIGTERM', async () => {
    const log = path.join(dir, 'logs', 'sleeper.log');
    const started = await spawnDetached(
      {
        command: process.execPath,
        args: [
          '-e',
          'console.log("hello from child"); setInterval(() => {}, 1000)',
          'strata-sleeper',
        ],
        cwd: dir,
        marker: 'strata-sleeper',
        address: '127.0.0.1:1',
      },
      log,
    );
    expect(isRunning(started)).toBe(true);
    await waitUntil(() => Promise.resolve(fs.readFileSync(log, 'utf8').includes('hello')), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(fs.readFileSync(log, 'utf8')).toContain('hello from child');
    expect(await stopProcess(started, 5_000)).toBe('stopped');
    expect(isRunning(started)).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the grace time is over', async () => {
    // The child says when its handler is in place; stopping it before that would test nothing.
    const stubborn =
      'process.on("SIGTERM", () => console.log("ignored")); console.log("handler installed"); setInterval(() => {}, 1000)';
    const log = path.join(dir, 'stubborn.log');
    const started = await spawnDetached(
      {
        command: process.execPath,
        args: ['-e', stubborn, 'strata-stubborn'],
        cwd: dir,
        marker: 'strata-stubborn',
        address: '127.0.0.1:1',
      },
      log,
    );
    await waitUntil(
      () => Promise.resolve(fs.readFileSync(log, 'utf8').includes('handler installed')),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(await stopProcess(started, 500)).toBe('killed');
    expect(isRunning(started)).toBe(false);
  });

  it('reports a recorded process that is already gone as not running', async () => {
    expect(await stopProcess({ ...record, pid: 2 ** 22 + 17 }, 100)).toBe('not-running');
  });

  it('fails to spawn a program that does not exist', async () => {
    await expect(
      spawnDetached(
        {
          command: path.join(dir, 'no-such-program'),
          args: [],
          cwd: dir,
          marker: 'x',
          address: '127.0.0.1:1',
        },
        path.join(dir, 'x.log'),
      ),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe('prerequisites', () => {
  it('finds executables on PATH only', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'data'), 'x', { mode: 0o644 });
    expect(findExecutable('tool', { PATH: bin })).toBe(path.join(bin, 'tool'));
    expect(findExecutable('data', { PATH: bin })).toBeUndefined();
    expect(findExecutable('tool', { PATH: '' })).toBeUndefined();
  });

  it('says in one line what to install for everything missing', () => {
    expect(missingPrerequisitesMessage([])).toBeUndefined();
    expect(missingPrerequisitesMessage([REDIS, JAVA, MAVEN, PYTHON, PYTHON])).toBe(
      'missing redis-server, java, mvn, python3: install with `apt-get install redis-server openjdk-17-jre-headless maven python3 python3-venv`',
    );
  });
});

describe('install stamps', () => {
  it('match only the same file content installed to the same place', () => {
    const source = path.join(dir, 'requirements.txt');
    const stamp = path.join(dir, 'stamp');
    fs.writeFileSync(source, 'dbt-core==1.11.16\n');
    expect(stampMatches(stamp, stampFor(source, '/venv'))).toBe(false);
    writeStamp(stamp, stampFor(source, '/venv'));
    expect(stampMatches(stamp, stampFor(source, '/venv'))).toBe(true);
    expect(stampMatches(stamp, stampFor(source, '/other-venv'))).toBe(false);
    fs.writeFileSync(source, 'dbt-core==1.11.17\n');
    expect(stampMatches(stamp, stampFor(source, '/venv'))).toBe(false);
  });
});

describe('waitUntil', () => {
  it('returns ready as soon as the check passes', async () => {
    let calls = 0;
    expect(
      await waitUntil(() => Promise.resolve(++calls === 3), { timeoutMs: 5_000, intervalMs: 1 }),
    ).toBe('ready');
    expect(calls).toBe(3);
  });

  it('gives up when told the awaited process died', async () => {
    expect(
      await waitUntil(() => Promise.resolve(false), {
        timeoutMs: 5_000,
        intervalMs: 1,
        giveUpIf: () => true,
      }),
    ).toBe('gave-up');
  });

  it('times out on its own clock and reports progress on the way', async () => {
    let clock = 0;
    const seen: number[] = [];
    const outcome = await waitUntil(
      () => {
        clock += 1_000;
        return Promise.resolve(false);
      },
      {
        timeoutMs: 10_000,
        intervalMs: 1,
        progressEveryMs: 3_000,
        now: () => clock,
        onProgress: (ms) => seen.push(ms),
      },
    );
    expect(outcome).toBe('timeout');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((ms) => ms >= 3_000 && ms < 10_000)).toBe(true);
  });
});
