import { loadPipeline } from '../../config/index.ts';
import { selectAssets } from '../../graph/selection.ts';
import { print } from '../print.ts';
import { renderGraph, type GraphFormat } from '../render-graph.ts';

export async function validate(file: string, options: { json?: boolean }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const summary = {
    ok: true,
    file,
    assets: pipeline.graph.order.length,
    schedules: pipeline.schedules.length,
  };
  print(
    options.json,
    summary,
    `${file}: ok (${summary.assets} assets, ${summary.schedules} schedules)`,
  );
}

export async function graph(file: string, selection: string, format: GraphFormat): Promise<void> {
  const pipeline = await loadPipeline(file);
  const keys = selectAssets(selection, pipeline.graph, pipeline.assets);
  process.stdout.write(renderGraph(pipeline, keys, format));
}
