export { evaluateChecks, type CheckContext } from './evaluate.ts';
export { freshnessState } from './freshness.ts';
export {
  isBlocking,
  notPassed,
  type CheckResult,
  type CheckStatus,
  type FreshnessState,
} from './types.ts';
