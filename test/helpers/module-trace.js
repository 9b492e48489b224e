// Preloaded into a spawned `strata` (NODE_OPTIONS=--import=<this file>) by tests that check what
// a command loads: prints `module-trace <package>` on stderr for every file a package under
// node_modules loads from, through import or require alike (module.registerHooks, in-thread).
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

registerHooks({
  load(url, context, nextLoad) {
    const match = PACKAGE.exec(url);
    if (match) writeSync(2, `module-trace ${match[1]}\n`);
    return nextLoad(url, context);
  },
});
