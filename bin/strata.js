#!/usr/bin/env node
// Runs the TypeScript sources through tsx so `npx strata` works right after `npm ci`,
// with no build step and no chance of running a stale dist/.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
