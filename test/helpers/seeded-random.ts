import { onTestFailed } from 'vitest';

/**
 * Random choices a test can replay: the seed comes from STRATA_TEST_SEED when set, else it is
 * drawn, and a failing test prints it (`STRATA_TEST_SEED=<seed> npx vitest run <file>` replays
 * the same kill points). Call inside a test, so the failure hook belongs to that test.
 */
export function seededRandom(): { seed: number; next: () => number } {
  const fromEnv = process.env.STRATA_TEST_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed)) throw new Error(`STRATA_TEST_SEED must be an integer: ${fromEnv}`);
  onTestFailed(() => {
    process.stderr.write(`random choices of this test came from STRATA_TEST_SEED=${seed}\n`);
  });
  return { seed, next: mulberry32(seed) };
}

/** A small, well-known 32-bit PRNG: the same seed gives the same sequence in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
