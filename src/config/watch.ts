import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { describeConfigChanges } from './diff.ts';
import { loadPipeline, type LoadedPipeline } from './load.ts';

export interface ConfigWatcherOptions {
  file: string;
  initial: LoadedPipeline;
  logger: Logger;
  /** Called with each valid new config and what changed in it. */
  onApplied: (pipeline: LoadedPipeline, changes: string[]) => void | Promise<void>;
  /** Called when an edit is invalid; the last good config keeps running. */
  onInvalid?: (message: string) => void | Promise<void>;
}

/**
 * Hot reload of the pipeline file: a valid edit is applied without a restart and logged change
 * by change; an invalid one is logged with its file:line:col and the last good config stays.
 * Editors save by writing a temp file and renaming it over the original, which a watch on the
 * file's inode would miss: chokidar watches the path, and awaitWriteFinish waits until the
 * size settles so a half-written file is never parsed.
 */
export class ConfigWatcher {
  private current: LoadedPipeline;
  private readonly watcher: FSWatcher;
  private reloading: Promise<void> = Promise.resolve();
  private lastError: string | undefined;

  constructor(private readonly options: ConfigWatcherOptions) {
    this.current = options.initial;
    this.watcher = watch(options.file, {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
    });
    this.watcher.on('change', () => this.queueReload());
    this.watcher.on('add', () => this.queueReload());
    this.watcher.on('error', (error) =>
      options.logger.warn({ err: errorMessage(error) }, 'config watch error'),
    );
  }

  get pipeline(): LoadedPipeline {
    return this.current;
  }

  /** The message of the last invalid edit, until a valid one replaces it. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** Resolves once chokidar watches the file (an edit before that would be missed). */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  /** Reloads now (also what a file event does); reloads never overlap. */
  reload(): Promise<void> {
    this.queueReload();
    return this.reloading;
  }

  private queueReload(): void {
    this.reloading = this.reloading.then(() => this.reloadOnce());
  }

  private async reloadOnce(): Promise<void> {
    const { logger, file } = this.options;
    let next: LoadedPipeline;
    try {
      next = await loadPipeline(file);
    } catch (error) {
      const message = errorMessage(error);
      if (message === this.lastError) return;
      this.lastError = message;
      logger.error(
        { file, error: message },
        'config edit rejected; the last good config keeps running',
      );
      await this.options.onInvalid?.(message);
      return;
    }
    const recovered = this.lastError !== undefined;
    this.lastError = undefined;
    if (next.sourceHash === this.current.sourceHash && !recovered) return;
    const changes = describeConfigChanges(this.current, next);
    this.current = next;
    for (const change of changes) logger.info({ file, change }, `config: ${change}`);
    if (changes.length === 0) logger.info({ file }, 'config reloaded (no effective change)');
    try {
      await this.options.onApplied(next, changes);
    } catch (error) {
      logger.error({ err: errorMessage(error) }, 'applying the new config failed');
    }
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
