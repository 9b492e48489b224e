import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Install steps (jars, venv) are cached by the hash of the file that describes them plus where
 * they were installed: a changed pom or requirements file, or another target folder, re-runs them.
 */
export function stampFor(sourceFile: string, target: string): string {
  const hash = createHash('sha256').update(fs.readFileSync(sourceFile)).digest('hex');
  return `${hash} ${target}`;
}

export function stampMatches(stampFile: string, expected: string): boolean {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim() === expected;
  } catch {
    return false;
  }
}

export function writeStamp(stampFile: string, stamp: string): void {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${stamp}\n`);
}
