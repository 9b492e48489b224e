import { ConfigError } from '../shared/errors.ts';
import { findCycle } from '../graph/graph.ts';
import { didYouMean } from '../graph/suggest.ts';
import { formatPath, type SourceMap } from './source-map.ts';
import type { Pipeline } from './types.ts';

/** Checks that need the whole pipeline: references between assets, pools and schedules. */
export function checkGraph(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  return [
    ...unknownDeps(pipeline, where, file),
    ...unknownPools(pipeline, where, file),
    ...duplicateCheckNames(pipeline, where, file),
    ...cycles(pipeline, where, file),
    ...alertRuleAssets(pipeline, where, file),
  ];
}

function unknownDeps(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  const keys = [...pipeline.assets.keys()];
  const errors: ConfigError[] = [];
  for (const asset of pipeline.assets.values()) {
    asset.deps.forEach((dep, i) => {
      if (pipeline.assets.has(dep)) return;
      const path = ['assets', asset.key, 'deps', i];
      const { line, col } = where.position(path);
      errors.push(
        new ConfigError(
          file,
          line,
          col,
          `assets.${asset.key}.deps[${i}]`,
          `unknown asset "${dep}"${didYouMean(dep, keys)}`,
        ),
      );
    });
  }
  return errors;
}

function unknownPools(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const asset of pipeline.assets.values()) {
    if (asset.pool === undefined || pipeline.pools.has(asset.pool)) continue;
    const { line, col } = where.position(['assets', asset.key, 'pool']);
    errors.push(
      new ConfigError(
        file,
        line,
        col,
        `assets.${asset.key}.pool`,
        `unknown pool "${asset.pool}"${didYouMean(asset.pool, pipeline.pools.keys())}; declare it under pools`,
      ),
    );
  }
  return errors;
}

function duplicateCheckNames(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const asset of pipeline.assets.values()) {
    const seen = new Set<string>();
    asset.checks.forEach((check, i) => {
      if (seen.has(check.name)) {
        const { line, col } = where.position(['assets', asset.key, 'checks', i, 'name']);
        errors.push(
          new ConfigError(
            file,
            line,
            col,
            `assets.${asset.key}.checks[${i}].name`,
            `duplicate check name "${check.name}"`,
          ),
        );
      }
      seen.add(check.name);
    });
  }
  return errors;
}

function cycles(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  const deps = new Map([...pipeline.assets].map(([k, a]) => [k, a.deps] as const));
  const cycle = findCycle(deps);
  if (!cycle) return [];
  const first = cycle[0] as string;
  const { line, col } = where.position(['assets', first, 'deps']);
  return [
    new ConfigError(
      file,
      line,
      col,
      `assets.${first}.deps`,
      `dependency cycle: ${cycle.join(' -> ')}`,
    ),
  ];
}

/** Alert rules that name assets must name real ones, and a staleness rule needs a threshold. */
function alertRuleAssets(pipeline: Pipeline, where: SourceMap, file: string): ConfigError[] {
  const keys = [...pipeline.assets.keys()];
  const errors: ConfigError[] = [];
  const error = (path: Array<string | number>, detail: string): void => {
    const { line, col } = where.position(path);
    errors.push(new ConfigError(file, line, col, formatPath(path), detail));
  };
  for (const rule of pipeline.alerts.rules) {
    if (rule.kind === 'staleness') {
      if (!pipeline.assets.has(rule.asset)) {
        error(
          ['alerts', 'rules', rule.name, 'asset'],
          `unknown asset "${rule.asset}"${didYouMean(rule.asset, keys)}`,
        );
      } else if (rule.maxAgeMs === undefined) {
        error(
          ['alerts', 'rules', rule.name],
          `needs maxAge: asset "${rule.asset}" has no freshness policy`,
        );
      }
    }
    if (rule.kind === 'check_failed') {
      rule.assets?.forEach((asset, i) => {
        if (!pipeline.assets.has(asset))
          error(
            ['alerts', 'rules', rule.name, 'assets', i],
            `unknown asset "${asset}"${didYouMean(asset, keys)}`,
          );
      });
    }
  }
  return errors;
}
