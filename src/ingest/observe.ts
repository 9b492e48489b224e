import type { ObjectInfo, ObjectStore } from '../storage/index.ts';
import { dayPrefix, parseObjectKey, utcDay } from './layout.ts';

export interface LakeObservation {
  /** Newest last_updated of any record landed; the data time of the source asset. */
  newestRecordTime: Date | null;
  /** Objects and records of the latest day. */
  objectCount: number;
  recordCount: number;
  /** `YYYY-MM-DD` of the latest day partition, or null for an empty lake. */
  latestDay: string | null;
}

interface ObjectStats {
  records: number;
  newestMs: number | null;
}

const DAY_MS = 86_400_000;
/** Days probed directly (tomorrow back to a week ago) before falling back to a full listing. */
const PROBE_DAYS = 9;

/**
 * Observes the source asset in storage. Keeps per-object figures between calls (objects are
 * immutable once written; a rewrite changes size or mtime), so polling reads only new objects.
 */
export class LakeObserver {
  private readonly cache = new Map<string, { version: string; stats: ObjectStats }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {}

  async observe(nowMs: number = Date.now()): Promise<LakeObservation> {
    const latest = await this.latestDay(nowMs);
    if (latest === null)
      return { newestRecordTime: null, objectCount: 0, recordCount: 0, latestDay: null };
    let records = 0;
    let newest: number | null = null;
    for (const object of latest.objects) {
      const stats = await this.statsOf(object);
      records += stats.records;
      if (stats.newestMs !== null && (newest === null || stats.newestMs > newest))
        newest = stats.newestMs;
    }
    this.forgetExcept(latest.objects);
    return {
      newestRecordTime: newest === null ? null : new Date(newest),
      objectCount: latest.objects.length,
      recordCount: records,
      latestDay: latest.day,
    };
  }

  private async latestDay(nowMs: number): Promise<{ day: string; objects: ObjectInfo[] } | null> {
    for (let i = -1; i < PROBE_DAYS - 1; i++) {
      const day = utcDay(nowMs - i * DAY_MS);
      const objects = this.dataObjects(await this.store.list(dayPrefix(this.prefix, day)));
      if (objects.length > 0) return { day, objects };
    }
    const all = this.dataObjects(await this.store.list(`${this.prefix}/`));
    const days = all.map((o) => parseObjectKey(o.key)!.day).sort();
    const day = days.at(-1);
    if (day === undefined) return null;
    return { day, objects: all.filter((o) => parseObjectKey(o.key)!.day === day) };
  }

  private dataObjects(objects: ObjectInfo[]): ObjectInfo[] {
    return objects.filter((o) => parseObjectKey(o.key)?.prefix === this.prefix);
  }

  private async statsOf(object: ObjectInfo): Promise<ObjectStats> {
    const version = `${object.size}:${object.lastModified.getTime()}`;
    const cached = this.cache.get(object.key);
    if (cached?.version === version) return cached.stats;
    const body = await this.store.get(object.key);
    const stats = body === null ? { records: 0, newestMs: null } : statsOfBody(body);
    this.cache.set(object.key, { version, stats });
    return stats;
  }

  private forgetExcept(objects: ObjectInfo[]): void {
    const keep = new Set(objects.map((o) => o.key));
    for (const key of this.cache.keys()) if (!keep.has(key)) this.cache.delete(key);
  }
}

/** One-shot observation, for callers that do not poll. */
export function observeLake(
  store: ObjectStore,
  prefix: string,
  nowMs?: number,
): Promise<LakeObservation> {
  return new LakeObserver(store, prefix).observe(nowMs);
}

function statsOfBody(body: Buffer): ObjectStats {
  let records = 0;
  let newest: number | null = null;
  for (const line of body.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    records++;
    const time = Date.parse((JSON.parse(line) as { last_updated?: string }).last_updated ?? '');
    if (Number.isFinite(time) && (newest === null || time > newest)) newest = time;
  }
  return { records, newestMs: newest };
}
