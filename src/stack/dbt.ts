import type { StackConfig } from './config.ts';
import { commandSucceeds } from './commands.ts';
import { venvBin, venvPrerequisites } from './python-env.ts';
import type { ToolService } from './service.ts';

export function dbtService(config: StackConfig): ToolService {
  return {
    name: 'dbt',
    kind: 'tool',
    address: config.venvDir,
    isHealthy: () =>
      commandSucceeds(venvBin(config, 'dbt'), ['--version'], {
        cwd: config.projectRoot,
        env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
        timeoutMs: 60_000,
      }),
    prerequisites: () => venvPrerequisites(config),
    prepare: (context) => context.ensureVenv(),
  };
}
