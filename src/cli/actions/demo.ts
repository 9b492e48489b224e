import { loadPipeline } from '../../config/index.ts';
import { runDemo } from '../../demo/demo.ts';

export interface DemoCommandOptions {
  once?: boolean;
  ticks: number;
  interval: number;
}

export async function demo(file: string, options: DemoCommandOptions): Promise<void> {
  const pipeline = await loadPipeline(file);
  const abort = new AbortController();
  const stop = (): void => abort.abort(new Error('stopped by signal'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    process.exitCode = await runDemo(pipeline, {
      configFile: file,
      ticks: options.ticks,
      once: options.once ?? false,
      intervalMs: options.interval,
      signal: abort.signal,
      progress: (message) => process.stderr.write(`demo: ${message}\n`),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
