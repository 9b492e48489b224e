/** Types of dist-state.js, for the tests that import it. */
export const PROJECT_ROOT: string;
export const BUILD_STAMP: string;
export type DistState = { fresh: true } | { fresh: false; reason: string };
export function distState(root?: string): DistState;
