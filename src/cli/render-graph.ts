import type { LoadedPipeline } from '../config/index.ts';
import { formatDuration } from '../shared/durations.ts';

export type GraphFormat = 'text' | 'json' | 'mermaid';

export function renderGraph(
  pipeline: LoadedPipeline,
  keys: readonly string[],
  format: GraphFormat,
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(graphJson(pipeline, keys), null, 2)}\n`;
    case 'mermaid':
      return mermaid(pipeline, keys);
    case 'text':
      return text(pipeline, keys);
  }
}

function graphJson(pipeline: LoadedPipeline, keys: readonly string[]): object {
  return {
    assets: keys.map((key) => {
      const asset = pipeline.assets.get(key);
      return {
        key,
        kind: asset?.kind,
        deps: asset?.deps ?? [],
        tags: asset?.tags ?? [],
        group: asset?.group ?? null,
        freshness: asset?.freshness ?? null,
        checks:
          asset?.checks.map((c) => ({ name: c.name, type: c.type, severity: c.severity })) ?? [],
      };
    }),
  };
}

function text(pipeline: LoadedPipeline, keys: readonly string[]): string {
  const width = Math.max(...keys.map((k) => k.length));
  const lines = keys.map((key) => {
    const asset = pipeline.assets.get(key);
    if (!asset) return key;
    const deps = asset.deps.length > 0 ? `<- ${asset.deps.join(', ')}` : '(source)';
    const freshness = asset.freshness
      ? [
          asset.freshness.warnAfterMs !== undefined
            ? `warn>${formatDuration(asset.freshness.warnAfterMs)}`
            : '',
          asset.freshness.failAfterMs !== undefined
            ? `fail>${formatDuration(asset.freshness.failAfterMs)}`
            : '',
        ]
          .filter(Boolean)
          .join(' ')
      : '';
    return `${key.padEnd(width)}  ${asset.kind.padEnd(13)} ${deps}${freshness ? `  [${freshness}]` : ''}`;
  });
  return `${lines.join('\n')}\n`;
}

function mermaid(pipeline: LoadedPipeline, keys: readonly string[]): string {
  const shown = new Set(keys);
  const lines = ['graph LR'];
  for (const key of keys) lines.push(`  ${key}[${key}]`);
  for (const key of keys) {
    for (const dep of pipeline.assets.get(key)?.deps ?? []) {
      if (shown.has(dep)) lines.push(`  ${dep} --> ${key}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
