import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { waitUntil } from './probe.ts';

/**
 * What we remember about a process we started. The marker (a word of its command line) guards
 * against pid reuse: after a reboot the pid may belong to somebody else, whom `down` must not kill.
 */
export interface PidRecord {
  pid: number;
  marker: string;
  /** Where it listens: a process of ours on another address is not the service now configured. */
  address: string;
  startedAt: string;
}

const pidRecordSchema = z.object({
  pid: z.number().int().positive(),
  marker: z.string().min(1),
  address: z.string(),
  startedAt: z.string(),
});

export function parsePidRecord(text: string): PidRecord | undefined {
  try {
    const parsed = pidRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function readPidFile(file: string): PidRecord | undefined {
  try {
    return parsePidRecord(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function writePidFile(file: string, record: PidRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record)}\n`);
}

export function removePidFile(file: string): void {
  fs.rmSync(file, { force: true });
}

/** What the OS says about a pid: `cmdline` is undefined where /proc is not available. */
export interface ProcessInfo {
  alive: boolean;
  cmdline?: string;
}

function processInfo(pid: number): ProcessInfo {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which also means it is not ours.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
    return { alive: true, cmdline: '' };
  }
  try {
    // A zombie still answers kill(0) until its parent reaps it; it is dead for our purposes.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return { alive: false };
    return {
      alive: true,
      cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '),
    };
  } catch {
    return { alive: true };
  }
}

/** Pure decision: the recorded process is still ours when it lives and its command line matches. */
export function isRecordedProcess(record: PidRecord, info: ProcessInfo): boolean {
  if (!info.alive) return false;
  return info.cmdline === undefined || info.cmdline.includes(record.marker);
}

export function isRunning(record: PidRecord | undefined): record is PidRecord {
  return record !== undefined && isRecordedProcess(record, processInfo(record.pid));
}

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  marker: string;
  address: string;
}

/**
 * Starts a server in its own session (so it outlives this CLI and a terminal's Ctrl-C), with
 * stdout and stderr appended to its log file. Argument arrays only: nothing passes a shell.
 */
export async function spawnDetached(spec: SpawnSpec, logFile: string): Promise<PidRecord> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid ?? 0));
    });
    child.unref();
    return { pid, marker: spec.marker, address: spec.address, startedAt: new Date().toISOString() };
  } finally {
    fs.closeSync(fd);
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/** SIGTERM to the process group, wait for a graceful exit, then SIGKILL what is left. */
export async function stopProcess(record: PidRecord, timeoutMs: number): Promise<StopOutcome> {
  if (!isRunning(record)) return 'not-running';
  signalGroup(record.pid, 'SIGTERM');
  const gone = (): Promise<boolean> => Promise.resolve(!processInfo(record.pid).alive);
  if ((await waitUntil(gone, { timeoutMs, intervalMs: 200 })) === 'ready') return 'stopped';
  signalGroup(record.pid, 'SIGKILL');
  await waitUntil(gone, { timeoutMs: 5_000, intervalMs: 100 });
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // spawnDetached made the process a session leader, so -pid reaches its children too.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The last lines of a log, to put the real reason for a failed start in front of the user. */
export function tailFile(file: string, lines = 15): string {
  const window = 16_384;
  try {
    const size = fs.statSync(file).size;
    const buffer = Buffer.alloc(Math.min(size, window));
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
