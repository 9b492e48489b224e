import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../shared/durations.ts';

/**
 * Argument parsers for commander options, shared by every command. A bad value is rejected by
 * commander before the action runs, with the option's name, and the process exits 2.
 */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError('must be a positive duration such as 5s, 30m or 2h');
  }
  return ms;
}
