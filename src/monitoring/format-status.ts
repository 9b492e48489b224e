import { formatDuration } from '../shared/durations.ts';
import type { AlertState } from './alerts/types.ts';
import type { GroupLagReport } from './lag/report.ts';
import type { PassResult } from './monitor.ts';
import type { MonitoringStatus } from './status.ts';

/** Text for `strata status` (below the asset table): lag per group and the alerts that fire. */
export function formatMonitoringStatus(status: MonitoringStatus, now = Date.now()): string {
  const lines = [
    status.lag === null
      ? 'Kafka lag: no recent report (is `strata monitor` running?)'
      : 'Kafka lag:',
    ...(status.lag ?? []).map((r) => `  ${lagLine(r)}`),
  ];
  if (!status.monitorActive) lines.push('Alerts: no monitor is evaluating rules');
  lines.push(
    status.firing.length === 0 ? 'Alerts: none firing' : `Alerts firing (${status.firing.length}):`,
  );
  for (const alert of status.firing) lines.push(`  ${alertLine(alert, now)}`);
  for (const alert of status.pending) lines.push(`  pending: ${alertLine(alert, now)}`);
  return lines.join('\n');
}

/** Text for `strata monitor --once`. */
export function formatMonitorPass(pass: PassResult): string {
  const lines = pass.leader
    ? []
    : ['Another monitor holds the lease and evaluates; this is a read-only look.'];
  lines.push('Kafka lag:', ...(pass.lag ?? []).map((r) => `  ${lagLine(r)}`));
  if (pass.errors?.lag) lines.push(`  error: ${pass.errors.lag}`);
  if (pass.storage || pass.errors?.storage) {
    lines.push('Storage (objects, bytes per day):');
    for (const d of pass.storage?.days ?? [])
      lines.push(`  ${d.day}  ${d.objects} objects  ${d.bytes} bytes`);
    if (pass.errors?.storage) lines.push(`  error: ${pass.errors.storage}`);
  }
  const states = pass.alerts?.states ?? pass.currentAlerts ?? [];
  lines.push(
    `Alerts${pass.leader ? '' : ' (as the leader recorded them)'}: ${states.filter((s) => s.phase === 'firing').length} firing, ${states.filter((s) => s.phase === 'pending').length} pending`,
  );
  for (const s of states)
    if (s.phase === 'firing' || s.phase === 'pending')
      lines.push(`  ${s.phase}: ${alertLine(s, Date.now())}`);
  return lines.join('\n');
}

function lagLine(r: GroupLagReport): string {
  if (r.error) return `${r.group} on ${r.topic}: UNKNOWN (${r.error})`;
  return `${r.group} on ${r.topic}: ${r.status}, lag ${r.totalLag} over ${r.partitions.length} partitions, ${r.members} members`;
}

function alertLine(a: AlertState, now: number): string {
  const since = a.firedAt ?? a.activeSince;
  return `${a.severity.toUpperCase()} ${a.rule}: ${a.summary}${since ? ` (for ${formatDuration(Math.max(0, now - since))})` : ''}`;
}
