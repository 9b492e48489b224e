import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes a pipeline config into a fresh temp folder; returns its path and a cleanup. */
export function writeTempConfig(
  text: string,
  name = 'pipeline.yaml',
): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-config-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal valid pipeline, for tests that break one thing at a time. */
export const MINIMAL_PIPELINE = `version: 1
assets:
  source:
    kind: noop
  middle:
    kind: noop
    deps: [source]
  sink:
    kind: noop
    deps: [middle]
`;
