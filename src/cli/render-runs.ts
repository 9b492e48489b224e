import type { CheckResult } from '../assets/checks/types.ts';
import { formatDuration } from '../shared/durations.ts';
import {
  runAssetInfoSchema,
  type RunAssetInfo,
  type RunEvent,
  type RunRecord,
} from '../jobs/run-model.ts';
import type { AssetStatus } from '../jobs/status.ts';

/** Plain-text views of runs and assets for the CLI; --json prints the records themselves. */

export function formatEvent(event: RunEvent): string | undefined {
  const d: RunAssetInfo = runAssetInfoSchema.safeParse(event.detail).data ?? {};
  const asset = event.asset ?? '';
  const took =
    d.startedAt !== undefined && d.endedAt !== undefined
      ? ` in ${elapsed(d.endedAt - d.startedAt)}`
      : '';
  const line = (text: string): string => `${clock(event.at)} ${text}`;
  switch (event.type) {
    case 'asset_started':
      return line(`${asset}: started (attempt ${d.attempt ?? 1}, worker ${d.worker ?? '?'})`);
    case 'asset_succeeded':
      return line(`${asset}: succeeded${took}${checksSuffix(d.checks ?? [])}`);
    case 'asset_failed':
      return line(`${asset}: FAILED${took}: ${d.error ?? 'unknown error'}`);
    case 'asset_skipped':
      return line(`${asset}: skipped (${d.reason ?? 'upstream failed'})`);
    case 'asset_retrying':
      return line(`${asset}: attempt ${d.attempt ?? '?'} failed, retrying: ${d.error ?? ''}`);
    case 'asset_handed_back':
      return line(`${asset}: handed back to the queue by ${d.worker ?? '?'} (worker stopping)`);
    case 'asset_waiting':
      return line(`${asset}: waiting (${d.reason ?? 'resources busy'})`);
    case 'asset_cancelled':
      return line(`${asset}: cancelled`);
    default:
      return undefined;
  }
}

function checksSuffix(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return '';
  const counts = new Map<string, number>();
  for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`);
  const warned = checks.filter((c) => c.status === 'warned').map((c) => c.name);
  return `; checks: ${parts.join(', ')}${warned.length > 0 ? ` (warned: ${warned.join(', ')})` : ''}`;
}

export function formatRunSummary(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const a of run.assetStates) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  const took = run.endedAt !== undefined ? ` in ${elapsed(run.endedAt - run.createdAt)}` : '';
  return `run ${run.id} ${run.status}${took}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

/** Why a run did not succeed, naming each failed asset with its error (failed checks by name). */
export function failureReport(run: RunRecord): string {
  const failed = run.assetStates.filter((a) => a.state === 'failed');
  const lines = failed.map((a) => `  ${a.key}: ${a.info.error ?? 'failed'}`);
  const skipped = run.assetStates.filter((a) => a.state === 'skipped').map((a) => a.key);
  if (skipped.length > 0) lines.push(`  skipped: ${skipped.join(', ')}`);
  return [formatRunSummary(run), ...lines].join('\n');
}

export function formatRunsTable(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'no runs yet';
  const rows = runs.map((r) => [
    r.id,
    r.status,
    r.trigger,
    r.selection,
    new Date(r.createdAt).toISOString(),
    r.endedAt !== undefined ? elapsed(r.endedAt - r.createdAt) : '-',
    stateCounts(r),
  ]);
  return table(['RUN', 'STATUS', 'TRIGGER', 'SELECTION', 'CREATED', 'TOOK', 'ASSETS'], rows);
}

export function formatStatusTable(assets: readonly AssetStatus[], now = Date.now()): string {
  const rows = assets.map((a) => [
    a.key,
    a.kind,
    a.lastStatus ?? 'never',
    a.lastMaterializedAt !== null ? ago(now - a.lastMaterializedAt) : '-',
    a.dataTime !== null ? new Date(a.dataTime).toISOString() : '-',
    a.freshness,
    checkCounts(a.checks),
    a.blocked ? `yes: ${a.blockedReason ?? ''}` : 'no',
  ]);
  return table(
    ['ASSET', 'KIND', 'LAST', 'WHEN', 'DATA TIME', 'FRESHNESS', 'CHECKS', 'BLOCKED'],
    rows,
  );
}

function stateCounts(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const a of run.assetStates) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

function checkCounts(checks: readonly CheckResult[]): string {
  if (checks.length === 0) return '-';
  const failed = checks.filter((c) => c.status === 'failed').map((c) => c.name);
  const passed = checks.filter((c) => c.status === 'passed').length;
  const warned = checks.filter((c) => c.status === 'warned').length;
  return `${passed}/${checks.length} passed${warned ? `, ${warned} warned` : ''}${failed.length ? `, failed: ${failed.join(' ')}` : ''}`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

function elapsed(ms: number): string {
  return ms < 1_000 ? `${Math.max(0, Math.round(ms))}ms` : `${(ms / 1_000).toFixed(1)}s`;
}

function ago(ms: number): string {
  return ms < 1_000 ? 'just now' : `${formatDuration(ms)} ago`;
}
