#!/usr/bin/env node
// Runs the compiled CLI from dist/, which `npm ci` builds (the prepare script). When dist/ is
// missing or older than src/ (a checkout being edited), runs the sources through tsx instead,
// slower to start but never stale, and says so on stderr.
import { distState } from '../scripts/build/dist-state.js';

const state = distState();
if (state.fresh) {
  await import('../dist/cli/main.js');
} else {
  process.stderr.write(
    `strata: ${state.reason}; running the sources through tsx (slower start; \`npm run build\` refreshes dist/)\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
