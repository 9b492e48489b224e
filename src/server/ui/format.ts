import type { CheckResult } from '../../assets/checks/types.ts';
import { formatDuration } from '../../shared/durations.ts';

/** Small text helpers shared by the SVG and the HTML tables. */

export function ago(at: number | null, now: number): string {
  if (at === null) return '-';
  const ms = now - at;
  if (ms < 1_000) return 'just now';
  return `${formatDuration(Math.round(ms / 1_000) * 1_000)} ago`;
}

export function isoTime(at: number | null): string {
  return at === null ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "2/3 passed, 1 failed" style counts, or "no checks". */
export function checkCounts(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return 'no checks';
  const count = (status: CheckResult['status']): number =>
    checks.filter((c) => c.status === status).length;
  const parts = [`${count('passed')}/${checks.length} passed`];
  for (const status of ['warned', 'failed', 'skipped'] as const)
    if (count(status) > 0) parts.push(`${count(status)} ${status}`);
  return parts.join(', ');
}

/** Cuts text to `max` characters with an ellipsis, so a long key stays inside its box. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
