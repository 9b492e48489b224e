/**
 * Issue 15: every Lua script declares in KEYS each key it touches. Redis Cluster only refuses
 * keys of another slot, so a script that builds a key name from ARGV would still pass on a
 * cluster while every key shares the pipeline's hash tag, and break the day it does not. This
 * static check fails on the pattern itself: a command whose key argument is concatenated, a
 * literal, or comes from ARGV. (The test suites also run every script with the runtime check of
 * src/redis/check-keys.lua, which fails on any undeclared key.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/shared/settings.ts';

const SRC = path.join(PROJECT_ROOT, 'src');
const luaFiles = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.lua'))
  .sort();

/** Commands whose every argument is a key, and those that name none (as check-keys.lua). */
const ALL_KEYS = new Set(['DEL', 'EXISTS', 'UNLINK', 'MGET', 'TOUCH']);
const NO_KEYS = new Set(['TIME', 'PING']);

interface Call {
  line: number;
  command: string;
  keys: string[];
}

/** The redis.call / redis.pcall invocations of a Lua text, with their key arguments. */
function redisCalls(text: string): Call[] {
  const calls: Call[] = [];
  const pattern = /redis\.p?call\(/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const args = splitArguments(text, match.index + match[0].length);
    const command = /^'([A-Za-z]+)'$/.exec(args[0] ?? '')?.[1]?.toUpperCase();
    const line = text.slice(0, match.index).split('\n').length;
    if (command === undefined) {
      calls.push({ line, command: `<${args[0] ?? ''}>`, keys: [] });
      continue;
    }
    const rest = args.slice(1);
    const keys = NO_KEYS.has(command) ? [] : ALL_KEYS.has(command) ? rest : rest.slice(0, 1);
    calls.push({ line, command, keys });
  }
  return calls;
}

/** Top-level comma-separated arguments from `start` to the closing parenthesis. */
function splitArguments(text: string, start: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      current += c;
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if ('([{'.includes(c)) {
      depth++;
      current += c;
    } else if (')]}'.includes(c) && depth > 0) {
      depth--;
      current += c;
    } else if (c === ')' || (c === ',' && depth === 0)) {
      args.push(current.trim());
      current = '';
      if (c === ')') break;
    } else current += c;
  }
  return args;
}

/** `local a, b = x, y` and `a = x` assignments: name -> the expressions assigned to it. */
function assignments(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of text.matchAll(/^\s*(?:local\s+)?([\w, ]+?)\s*=(?!=)\s*(.+)$/gm)) {
    const names = match[1]!.split(',').map((n) => n.trim());
    const values = splitArguments(`${match[2]!})`, 0);
    names.forEach((name, i) => {
      // With fewer values than names (a call returning several), each name may get any of them.
      const value = values[i] ?? values.at(-1) ?? '';
      found.set(name, [...(found.get(name) ?? []), value]);
    });
  }
  return found;
}

/** A key argument names a key variable, a field of one (run.state) or KEYS[...], nothing else. */
const PLAIN_KEY = /^(KEYS\[[^\]]+\]|[A-Za-z_]\w*(\.[A-Za-z_]\w*)?)$/;

describe('Lua scripts under src/ touch only keys from KEYS', () => {
  it('finds the scripts', () => {
    expect(luaFiles).toEqual(
      expect.arrayContaining([
        'jobs/lua/create-run.lua',
        'redis/lease.lua',
        'jobs/pool-acquire.lua',
      ]),
    );
  });

  it.each(luaFiles)('%s', (file) => {
    const text = readFileSync(path.join(SRC, file), 'utf8').replace(/--.*$/gm, '');
    const assigned = assignments(text);
    const problems: string[] = [];
    for (const call of redisCalls(text)) {
      if (call.command.startsWith('<'))
        problems.push(`line ${call.line}: command ${call.command} is not a literal`);
      for (const key of call.keys) {
        if (!PLAIN_KEY.test(key)) {
          problems.push(
            `line ${call.line}: ${call.command} key "${key}" is built, not taken from KEYS`,
          );
          continue;
        }
        const variable = key.split('.')[0]!;
        for (const value of assigned.get(variable) ?? []) {
          if (/ARGV|\.\./.test(value))
            problems.push(
              `line ${call.line}: ${call.command} key ${key} = ${value} (from ARGV or built)`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches a key built from ARGV', () => {
    const bad =
      "local P = ARGV[1]\nlocal k = P .. 'run:' .. ARGV[2]\nredis.call('HGET', k, 'x')\nredis.call('DEL', KEYS[1], P .. 'runs')";
    const assigned = assignments(bad);
    const calls = redisCalls(bad);
    expect(calls.map((c) => c.keys)).toEqual([['k'], ['KEYS[1]', "P .. 'runs'"]]);
    expect(assigned.get('k')).toEqual(["P .. 'run:' .. ARGV[2]"]);
    expect(PLAIN_KEY.test("P .. 'runs'")).toBe(false);
  });
});
