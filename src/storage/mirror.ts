import type { ObjectInfo, ObjectStore } from './object-store.ts';

export interface MirrorOptions {
  /** Only keys under this prefix are compared and copied. */
  prefix: string;
  /** Which of the listed keys to copy (data objects, not the ingest position log). */
  include?: (key: string) => boolean;
  signal?: AbortSignal;
}

export interface MirrorResult {
  /** Objects copied by this call: new, or changed in size. */
  copied: number;
  copiedBytes: number;
  /** Objects already present with the same size. */
  unchanged: number;
}

/**
 * Copies objects of `source` that `target` lacks (or holds with another size) into `target`.
 * Lake objects are immutable once written (ingest derives their keys from topic, partition and
 * start offset), so key and size identify an object and a repeated call copies only new ones.
 * Each copy is a durable, atomic put of the target store, so a reader of the mirror never sees
 * half an object; an interrupted call is finished by the next one.
 */
export async function mirrorObjects(
  source: ObjectStore,
  target: ObjectStore,
  options: MirrorOptions,
): Promise<MirrorResult> {
  const include = options.include ?? (() => true);
  const [wanted, present] = await Promise.all([
    source.list(options.prefix),
    target.list(options.prefix),
  ]);
  const sizes = new Map(present.map((o) => [o.key, o.size]));
  const missing = wanted.filter((o) => include(o.key) && sizes.get(o.key) !== o.size);
  let copiedBytes = 0;
  for (const object of missing) {
    options.signal?.throwIfAborted();
    copiedBytes += await copyObject(source, target, object);
  }
  return {
    copied: missing.length,
    copiedBytes,
    unchanged: wanted.filter((o) => include(o.key)).length - missing.length,
  };
}

async function copyObject(
  source: ObjectStore,
  target: ObjectStore,
  object: ObjectInfo,
): Promise<number> {
  const body = await source.get(object.key);
  // Listed a moment ago and gone now: a lake object is never deleted by Strata, so someone
  // cleaned the bucket; the next observation will not list it either.
  if (body === null) return 0;
  await target.put(object.key, body);
  return body.length;
}
