import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, distState } from '../../scripts/build/dist-state.js';

let root: string;
const BUILT_AT = new Date('2026-01-01T12:00:00Z');
const BEFORE = new Date('2026-01-01T11:00:00Z');
const AFTER = new Date('2026-01-01T13:00:00Z');

/** Writes a file under the fake checkout with the given modification time. */
function write(relative: string, mtime: Date, content = ''): void {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, mtime, mtime);
}

/** Sets every folder under src/ to an old time (creating files touched them). */
function ageFolders(dir = path.join(root, 'src')): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) ageFolders(path.join(dir, entry.name));
  }
  fs.utimesSync(dir, BEFORE, BEFORE);
}

/** Why dist/ is stale; fails the test when it is fresh. */
function staleReason(): string {
  const state = distState(root);
  if (state.fresh) throw new Error('expected dist/ to be stale');
  return state.reason;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-dist-state-'));
  write('src/cli/main.ts', BEFORE);
  write('src/jobs/lua/lease.lua', BEFORE);
  ageFolders();
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('distState', () => {
  it('is missing without a build stamp', () => {
    expect(distState(root)).toEqual({ fresh: false, reason: 'dist/ is missing' });
  });

  it('is fresh when the stamp is newer than every source', () => {
    write(BUILD_STAMP, BUILT_AT);
    expect(distState(root)).toEqual({ fresh: true });
  });

  it('names a TypeScript source changed after the build', () => {
    write(BUILD_STAMP, BUILT_AT);
    write('src/cli/main.ts', AFTER);
    expect(distState(root)).toEqual({
      fresh: false,
      reason: 'dist/ is older than the sources (src/cli/main.ts changed)',
    });
  });

  it('counts files the build copies, such as .lua scripts', () => {
    write(BUILD_STAMP, BUILT_AT);
    write('src/jobs/lua/lease.lua', AFTER);
    expect(staleReason()).toContain('lease.lua');
  });

  it('notices a file deleted after the build through its folder', () => {
    write(BUILD_STAMP, BUILT_AT);
    fs.rmSync(path.join(root, 'src/jobs/lua/lease.lua'));
    expect(staleReason()).toContain('src/jobs/lua changed');
  });

  it('counts the build configuration', () => {
    write(BUILD_STAMP, BUILT_AT);
    write('tsconfig.build.json', AFTER);
    expect(staleReason()).toContain('tsconfig.build.json');
  });

  it('trusts dist/ when there are no sources to compare with (an installed image)', () => {
    write(BUILD_STAMP, BUILT_AT);
    fs.rmSync(path.join(root, 'src'), { recursive: true });
    expect(distState(root)).toEqual({ fresh: true });
  });
});
