import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withDeadline } from '../shared/deadline.ts';
import {
  PreconditionFailedError,
  assertValidKey,
  assertValidPrefix,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

/**
 * Objects as files under one root directory. A write is durable and atomic: the bytes go to a
 * temporary file beside the target, which is fsynced, then renamed over the target (or hard-linked
 * for create-only writes, which fails atomically when the target exists), and the directory is
 * fsynced so the new name survives a power loss. Readers never see a partial object.
 *
 * The root must exist. It is never created implicitly after open(), so a root that vanishes
 * (unmounted volume, replaced folder) is an outage, not a silently empty new lake.
 *
 * A file system call cannot be cancelled (a hung NFS mount blocks it for good), so each
 * operation has a deadline after which the caller stops waiting and gets a transient
 * DeadlineExceededError while the call may still complete later. Writers must therefore be able
 * to tell afterwards whether a timed-out write landed: ingest's position log does (a create-only
 * entry found in its slot with its own owner and time is its own).
 */
export class LocalObjectStore implements ObjectStore {
  readonly location: string;

  private constructor(
    private readonly root: string,
    private readonly timeoutMs: number,
  ) {
    this.location = pathToFileURL(root).href;
  }

  /** Opens a store rooted at `root` (absolute), creating the root directory if needed. */
  static async open(root: string, options: LocalStoreOptions = {}): Promise<LocalObjectStore> {
    const absolute = path.resolve(root);
    await mkdir(absolute, { recursive: true });
    return new LocalObjectStore(absolute, options.operationTimeoutMs ?? 20_000);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const target = this.pathOf(key);
    await this.bounded('put', key, () => this.write(key, target, body, options));
  }

  async get(key: string): Promise<Buffer | null> {
    const file = this.pathOf(key);
    return await this.bounded('get', key, () => this.read(file));
  }

  async list(prefix: string, startAfter?: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix);
    return await this.bounded('list', prefix, () => this.listNow(prefix, startAfter));
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await this.bounded('delete', key, () => this.remove(target));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private bounded<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    return withDeadline(`local ${operation} ${this.location}/${key}`, this.timeoutMs, fn);
  }

  private async write(
    key: string,
    target: string,
    body: Uint8Array | string,
    options: PutOptions,
  ): Promise<void> {
    const dir = path.dirname(target);
    await this.ensureDir(dir);
    const temp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
    await writeDurably(temp, body);
    try {
      if (options.ifNoneMatch) {
        await link(temp, target).catch((error: unknown) => {
          if (hasCode(error, 'EEXIST'))
            throw new PreconditionFailedError(`${key} already exists`, { cause: error });
          throw error;
        });
        await unlink(temp);
      } else {
        await rename(temp, target);
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await fsyncDir(dir);
  }

  private async read(file: string): Promise<Buffer | null> {
    try {
      return await readFile(file);
    } catch (error) {
      if (!hasCode(error, 'ENOENT')) throw error;
      await this.assertRoot();
      return null;
    }
  }

  private async listNow(prefix: string, startAfter?: string): Promise<ObjectInfo[]> {
    await this.assertRoot();
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const found: ObjectInfo[] = [];
    await this.walk(baseKey, prefix, startAfter, found);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async remove(target: string): Promise<void> {
    try {
      await unlink(target);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return;
      throw error;
    }
    await fsyncDir(path.dirname(target));
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private async walk(
    dirKey: string,
    prefix: string,
    startAfter: string | undefined,
    found: ObjectInfo[],
  ): Promise<void> {
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR')) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temporary files of writes in progress
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        if (couldContain(`${key}/`, prefix, startAfter))
          await this.walk(key, prefix, startAfter, found);
      } else if (
        entry.isFile() &&
        key.startsWith(prefix) &&
        (startAfter === undefined || key > startAfter)
      ) {
        const info = await stat(path.join(dir, entry.name)).catch((error: unknown) => {
          if (hasCode(error, 'ENOENT')) return undefined; // deleted while listing
          throw error;
        });
        if (info) found.push({ key, size: info.size, lastModified: info.mtime });
      }
    }
  }

  /** Creates missing directories below the root and fsyncs each parent that gained an entry. */
  private async ensureDir(dir: string): Promise<void> {
    await this.assertRoot();
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    // `first` is the topmost directory created; its parent and every new directory gained an entry.
    let current = path.dirname(first);
    await fsyncDir(current);
    for (const segment of path.relative(current, dir).split(path.sep)) {
      current = path.join(current, segment);
      await fsyncDir(current);
    }
  }

  private async assertRoot(): Promise<void> {
    const info = await stat(this.root);
    if (!info.isDirectory()) {
      throw Object.assign(new Error(`storage root ${this.root} is not a directory`), {
        code: 'ENOTDIR',
      });
    }
  }
}

export interface LocalStoreOptions {
  /** How long one operation may take before the caller stops waiting for it (default 20 s). */
  operationTimeoutMs?: number;
}

/** Whether a directory whose keys all start with `dirPrefix` can hold a key the listing wants. */
function couldContain(dirPrefix: string, prefix: string, startAfter: string | undefined): boolean {
  const prefixOk = dirPrefix.startsWith(prefix) || prefix.startsWith(dirPrefix);
  if (!prefixOk) return false;
  if (startAfter === undefined || startAfter.startsWith(dirPrefix)) return true;
  return dirPrefix > startAfter;
}

async function writeDurably(file: string, body: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx', 0o644);
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
