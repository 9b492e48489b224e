import { sleep } from '../../shared/backoff.ts';
import type { AssetSpec } from '../../config/types.ts';
import {
  derivedDataTime,
  type MaterializeContext,
  type MaterializeResult,
  type Materializer,
} from './types.ts';

type NoopAsset = Extract<AssetSpec, { kind: 'noop' }>;

/**
 * Does nothing for `sleepMs`: for tests and benchmarks of the orchestrator itself. A noop
 * without inputs is its own source, so its data time is when it ran.
 */
export const noopMaterializer: Materializer<NoopAsset> = {
  kind: 'noop',
  usesWarehouse: () => false,
  async materialize(context: MaterializeContext<NoopAsset>): Promise<MaterializeResult> {
    if (context.asset.sleepMs > 0) await sleep(context.asset.sleepMs, context.signal);
    const dataTime =
      context.inputDataTimes.size === 0 ? Date.now() : derivedDataTime(context.inputDataTimes);
    return { dataTime, metadata: { sleptMs: context.asset.sleepMs }, checks: [] };
  },
};
