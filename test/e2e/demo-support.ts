import { expect } from 'vitest';

/** What one successful `demo --once --ticks <ticks>` prints, asserted the same way everywhere. */
export function expectDemoSucceeded(
  result: { code: number | null; stdout: string; stderr: string },
  ticks: number,
): void {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain(`sent ${ticks * 3} messages in ${ticks} tick(s)`);
  expect(result.stdout).toMatch(/run run-\S+ succeeded in .*: 4 succeeded/);
  for (const asset of ['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated']) {
    expect(result.stdout).toMatch(
      new RegExp(`^${asset}\\s+\\S+\\s+succeeded\\s.*\\sfresh\\s`, 'm'),
    );
  }
  expect(result.stdout).toMatch(/^crypto_raw\s.*11\/11 passed/m);
}
