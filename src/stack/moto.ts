import fs from 'node:fs';
import { formatHostPort, type HostPort, type StackConfig, type StackPaths } from './config.ts';
import { venvBin, venvPrerequisites } from './python-env.ts';
import { serverAt, type ServerService } from './service.ts';

async function motoAnswers(endpoint: HostPort, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`http://${formatHostPort(endpoint)}/moto-api/`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function motoService(config: StackConfig, paths: StackPaths): ServerService {
  const workDir = paths.motoDir;
  return {
    name: 'moto',
    ...serverAt(config.moto, () => motoAnswers(config.moto)),
    prerequisites: () => venvPrerequisites(config),
    prepare: async (context) => {
      await context.ensureVenv();
      fs.mkdirSync(workDir, { recursive: true });
    },
    spawnSpec: () => ({
      command: venvBin(config, 'moto_server'),
      args: ['-H', config.moto.host, '-p', String(config.moto.port)],
      cwd: workDir,
      marker: 'moto_server',
      address: formatHostPort(config.moto),
    }),
  };
}
