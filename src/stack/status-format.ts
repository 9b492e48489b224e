import type { ServiceName } from './config.ts';

/**
 * running-ours: started by `stack up`, stopped by `stack down`. running-external: answering but
 * started by someone else, left alone. unhealthy: our process lives but does not answer (yet).
 * installed / missing: for dbt, a tool rather than a server.
 */
export type ServiceState =
  'running-ours' | 'running-external' | 'unhealthy' | 'stopped' | 'installed' | 'missing';

export interface ServiceStatus {
  name: ServiceName;
  address: string;
  state: ServiceState;
  pid?: number;
  log?: string;
}

export function formatStatusTable(statuses: readonly ServiceStatus[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.address,
    s.pid === undefined ? s.state : `${s.state} (pid ${s.pid})`,
  ]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  '),
    )
    .join('\n');
}

export function isUp(status: ServiceStatus): boolean {
  return (
    status.state === 'running-ours' ||
    status.state === 'running-external' ||
    status.state === 'installed'
  );
}
