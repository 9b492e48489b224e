import type { Severity } from '../../config/types.ts';

/**
 * What a check concluded. The status already folds in severity, so readers need no rules:
 * `failed` blocks (an error-severity check did not pass), `warned` is reported and does not
 * block, `skipped` means the check could not run because its asset failed first.
 */
export type CheckStatus = 'passed' | 'warned' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  /** dbt tests come from the model's YAML in dbt/; the others from config/pipeline.yaml. */
  source: 'dbt' | 'yaml';
  type: string;
  severity: Severity;
  status: CheckStatus;
  failingRows?: number;
  message?: string;
}

export type FreshnessState = 'fresh' | 'warn' | 'fail' | 'unknown';

/** Whether a check result blocks the asset (and, through it, downstream assets). */
export function isBlocking(check: CheckResult): boolean {
  return check.status === 'failed';
}

/** The status of a check that did not pass, given its severity. */
export function notPassed(severity: Severity): CheckStatus {
  return severity === 'error' ? 'failed' : 'warned';
}
