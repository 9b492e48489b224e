import { describe, expect, it } from 'vitest';
import * as athena from '../../../src/engines/athena/errors.ts';
import * as dbt from '../../../src/engines/dbt/errors.ts';
import * as jobs from '../../../src/jobs/errors.ts';
import * as deadline from '../../../src/shared/deadline.ts';
import * as shared from '../../../src/shared/errors.ts';
import * as storage from '../../../src/storage/object-store.ts';

const modules: Record<string, unknown>[] = [shared, deadline, storage, jobs, dbt, athena];

describe('error classes', () => {
  it('each carry their own name, so logs say LeaseLostError rather than its parent TransientError', () => {
    const exported = modules.flatMap((m): unknown[] => Object.values(m));
    const classes = exported.filter(
      (v): v is new (...args: unknown[]) => Error =>
        typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error,
    );
    expect(classes.length).toBeGreaterThan(10);
    for (const ErrorClass of classes) {
      // The name is a class field, so it exists only on a constructed instance.
      const args = ErrorClass === shared.ConfigErrors ? [[]] : ['message', 'x', 1, 1, 'key', 'x'];
      const error: Error = Reflect.construct(ErrorClass, args);
      expect(error.name, ErrorClass.name).toBe(ErrorClass.name);
    }
  });
});
