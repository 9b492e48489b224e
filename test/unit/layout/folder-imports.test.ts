import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top-level folder under src/ a file belongs to ('main' for src/main.ts-like files). */
const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] ?? '';

/** Folder -> folders it imports from, with one example import per edge for the message. */
function folderEdges(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1] ?? '');
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${path.relative(SRC, file)} imports ${match[1]}`);
      edges.set(from, out);
    }
  }
  return edges;
}

function findFolderCycle(edges: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    state.set(folder, 'visiting');
    stack.push(folder);
    for (const next of edges.get(folder)?.keys() ?? []) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of edges.keys()) {
    if (state.get(folder) === undefined) {
      const cycle = visit(folder);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

describe('the folders under src/', () => {
  it('import each other without a cycle, so each folder can be read from its dependencies up', () => {
    const edges = folderEdges();
    const cycle = findFolderCycle(edges);
    const explain = cycle
      ?.slice(1)
      .map((to, i) => edges.get(cycle[i] ?? '')?.get(to))
      .join('; ');
    expect(cycle, explain).toBeUndefined();
  });

  it('keep pure graph code free of the pipeline config it serves', () => {
    expect([...(folderEdges().get('graph')?.keys() ?? [])].sort()).toEqual(['shared']);
  });
});
