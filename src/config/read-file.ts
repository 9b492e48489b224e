import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../shared/errors.ts';

/** A pipeline file is a few KiB; anything this large is a mistake (or /dev/zero). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a config file, refusing before any read what cannot be one: a directory, a device,
 * a FIFO or socket (`--config /dev/zero` or `/dev/stdin` must not read forever or block), or a
 * file above MAX_CONFIG_BYTES. The check is repeated on the opened handle and the read is
 * bounded, so a file swapped or grown between the checks cannot get past them.
 */
export async function readConfigFile(file: string, shown: string): Promise<string> {
  const refuse = (why: string, cause?: unknown): never => {
    throw new UsageError(`cannot read config ${shown}: ${why}`, { cause });
  };
  const info = await stat(file).catch((error: unknown) => refuse(messageOf(error), error));
  if (!info.isFile()) refuse(`not a regular file (${kindOf(info)})`);
  if (info.size > MAX_CONFIG_BYTES) refuse(tooLarge(info.size));
  // O_NONBLOCK: opening a FIFO put in place after the stat returns at once instead of waiting.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: unknown) => refuse(messageOf(error), error),
  );
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) refuse(`not a regular file (${kindOf(opened)})`);
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) refuse(tooLarge(length));
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

function tooLarge(size: number): string {
  return `${size} bytes is more than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config may have`;
}

function kindOf(info: {
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
