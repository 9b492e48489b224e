// Whether dist/ holds a build of the current sources. Plain JavaScript with no dependencies:
// bin/strata.js runs it on every start, before anything is compiled, so it must stay cheap
// (one stat of each file and folder under src/).
import fs from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Written last by the build, with the time the build started as its modification time. */
export const BUILD_STAMP = path.join('dist', '.build-stamp');
/** Inputs besides src/ whose change makes the build different. */
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build/build.js'];

/**
 * `{ fresh: true }`, or `{ fresh: false, reason }` when dist/ is missing or older than a source.
 * Every file under src/ counts, not only .ts: the build copies the others (.lua scripts, the
 * UI's static files). Folders count too, so a deleted or renamed file is noticed.
 */
export function distState(root = PROJECT_ROOT) {
  const stamp = mtimeMs(path.join(root, BUILD_STAMP));
  if (stamp === undefined) return { fresh: false, reason: 'dist/ is missing' };
  const src = path.join(root, 'src');
  // An installed image may ship dist/ alone: nothing to compare against, so dist/ is the code.
  if (!fs.existsSync(src)) return { fresh: true };
  const newer = newerThan(src, stamp) ?? newerInput(root, stamp);
  if (newer === undefined) return { fresh: true };
  const changed = path.relative(root, newer);
  return { fresh: false, reason: `dist/ is older than the sources (${changed} changed)` };
}

function newerInput(root, stamp) {
  for (const input of BUILD_INPUTS) {
    const file = path.join(root, input);
    if ((mtimeMs(file) ?? 0) > stamp) return file;
  }
  return undefined;
}

/** The first path under `dir` (or `dir` itself) modified after `stamp`, if any. */
function newerThan(dir, stamp) {
  if ((mtimeMs(dir) ?? 0) > stamp) return dir;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const newer = entry.isDirectory()
      ? newerThan(full, stamp)
      : (mtimeMs(full) ?? 0) > stamp
        ? full
        : undefined;
    if (newer !== undefined) return newer;
  }
  return undefined;
}

function mtimeMs(file) {
  return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}
