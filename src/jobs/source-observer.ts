import type { LoadedPipeline } from '../config/load.ts';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connection.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { AssetEventStream } from './asset-events.ts';
import { RedisKeys } from './keys.ts';
import { orchestratorSettings } from './settings.ts';

/** Landings within this window become one observation: a burst of objects is one event. */
const COALESCE_MS = 500;

/**
 * Turns objects landed by ingest into observations of the pipeline's source assets (kind
 * kafka_batches): their data time moves forward and the scheduler hears of it at once. Landings
 * are coalesced, and a failed write is logged and retried with the next landing: observations
 * only speed automation up, so they never hold ingest back.
 */
export class SourceObserver {
  private newest: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly redis: RedisClient,
    private readonly stream: AssetEventStream,
    private readonly sources: readonly string[],
    private readonly logger: Logger,
  ) {}

  static async connect(
    pipeline: LoadedPipeline,
    redisUrl: string,
    logger: Logger,
  ): Promise<SourceObserver> {
    const keys = new RedisKeys(orchestratorSettings().keyPrefix);
    const redis = await connectRedis(redisUrl);
    const sources = [...pipeline.assets.values()]
      .filter((a) => a.kind === 'kafka_batches')
      .map((a) => a.key);
    return new SourceObserver(redis, new AssetEventStream(redis, keys), sources, logger);
  }

  /** An object with records up to `newestRecordTime` is durable in storage. */
  landed(newestRecordTime: number): void {
    if (this.sources.length === 0) return;
    if (this.newest === null || newestRecordTime > this.newest) this.newest = newestRecordTime;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, COALESCE_MS);
  }

  private async flush(): Promise<void> {
    const dataTime = this.newest;
    if (dataTime === null) return;
    this.newest = null;
    try {
      for (const source of this.sources) await this.stream.observe(source, dataTime);
    } catch (error) {
      this.logger.warn(
        { err: errorMessage(error) },
        'could not record the observation of new data; will retry',
      );
      if (this.newest === null || dataTime > this.newest) this.newest = dataTime;
    }
  }

  /** Writes what is pending, then closes the connection. */
  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }
    await this.writing;
    await closeRedis(this.redis);
  }
}
