import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../shared/errors.ts';

/** A program the stack needs from the machine, with the Debian package that provides it. */
export interface Prerequisite {
  command: string;
  debianPackage: string;
}

export const JAVA: Prerequisite = { command: 'java', debianPackage: 'openjdk-17-jre-headless' };
export const MAVEN: Prerequisite = { command: 'mvn', debianPackage: 'maven' };
export const PYTHON: Prerequisite = { command: 'python3', debianPackage: 'python3 python3-venv' };
export const REDIS: Prerequisite = { command: 'redis-server', debianPackage: 'redis-server' };

/** Looks a command up on PATH the way a shell would, without running a shell. */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One clear line naming every missing program and how to install them all at once. */
export function missingPrerequisitesMessage(missing: readonly Prerequisite[]): string | undefined {
  if (missing.length === 0) return undefined;
  const commands = [...new Set(missing.map((p) => p.command))].join(', ');
  const packages = [...new Set(missing.flatMap((p) => p.debianPackage.split(' ')))].join(' ');
  return `missing ${commands}: install with \`apt-get install ${packages}\``;
}

export function requirePrerequisites(
  needed: readonly Prerequisite[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const message = missingPrerequisitesMessage(
    needed.filter((p) => findExecutable(p.command, env) === undefined),
  );
  if (message) throw new UsageError(message);
}
