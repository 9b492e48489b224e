import type { EventLog } from '../jobs/event-log.ts';
import type { CheckOutcome } from './alerts/signals.ts';

/** What the monitor needs from the event log: data times and the latest result of each check. */
export interface AssetHealthSource {
  dataTimes(assets: readonly string[]): Promise<ReadonlyMap<string, number | null>>;
  latestChecks(assets: readonly string[]): Promise<CheckOutcome[]>;
}

/** Materializations searched back for one that ran checks (a model that failed before its tests has none). */
const LOOK_BACK = 5;

export class EventLogHealthSource implements AssetHealthSource {
  constructor(private readonly log: Pick<EventLog, 'dataTimes' | 'materializations'>) {}

  dataTimes(assets: readonly string[]): Promise<ReadonlyMap<string, number | null>> {
    return this.log.dataTimes(assets);
  }

  /**
   * Per asset, the check results of its newest materialization that ran any checks: the checks
   * it has now (a check removed from the config stops counting after one materialization).
   */
  async latestChecks(assets: readonly string[]): Promise<CheckOutcome[]> {
    const histories = await Promise.all(
      assets.map((asset) => this.log.materializations(asset, LOOK_BACK)),
    );
    return histories.flatMap((materializations, i) => {
      const latest = materializations.find((m) => m.checks.length > 0);
      if (!latest) return [];
      return latest.checks.map((check) => ({
        asset: assets[i] as string,
        check: check.name,
        severity: check.severity,
        status: check.status,
        message: check.message,
        at: latest.endedAt,
      }));
    });
  }
}
