// `npm run build`, and `npm ci` through the prepare script: compiles src/ to dist/ with tsc, copies
// the files tsc does not (every non-TypeScript file under src/: .lua scripts, the UI's static
// files) and stamps dist/ with the time the build started, so bin/strata.js can tell a fresh
// build from a stale one (see dist-state.js). A source saved during the build is newer than the
// stamp, so the next start notices it. With --if-stale, does nothing when dist/ is fresh.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILD_STAMP, PROJECT_ROOT, distState } from './dist-state.js';

const SRC_DIR = path.join(PROJECT_ROOT, 'src');
const DIST_DIR = path.join(PROJECT_ROOT, 'dist');

if (process.argv.includes('--if-stale') && distState().fresh) process.exit(0);
const started = new Date();
const tsc = typescriptCompiler();
if (tsc === undefined) {
  // `npm ci --omit=dev` runs prepare too; without TypeScript there is nothing to build with, and
  // bin/strata.js runs the sources instead.
  process.stderr.write('build: typescript is not installed (dev dependencies omitted); skipped\n');
  process.exit(0);
}

// A clean build: a module renamed or deleted in src/ must not live on in dist/.
fs.rmSync(DIST_DIR, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
});
const copied = copyNonTypeScript(SRC_DIR, DIST_DIR);
const stamp = path.join(PROJECT_ROOT, BUILD_STAMP);
fs.writeFileSync(stamp, `${started.toISOString()}\n`);
fs.utimesSync(stamp, started, started);
process.stderr.write(`build: dist/ compiled, ${copied} other file(s) copied\n`);

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Copies every file under `from` that tsc neither compiles nor needs (.ts), keeping the tree. */
function copyNonTypeScript(from, to) {
  let count = 0;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      count += copyNonTypeScript(source, target);
    } else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
      count += 1;
    }
  }
  return count;
}
