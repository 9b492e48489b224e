import { TransientError } from '../shared/errors.ts';

/** The asset's lease expired or was taken over mid-materialization; another attempt may succeed. */
export class LeaseLostError extends TransientError {
  override readonly name = 'LeaseLostError';
}

/** A materialization ran past its asset's timeout. */
export class MaterializationTimeoutError extends TransientError {
  override readonly name = 'MaterializationTimeoutError';
}

/** Abort reason when a stopping worker hands its running jobs back to the queue. */
export class HandBackSignal extends Error {
  override readonly name = 'HandBackSignal';
}

/** Abort reason when the run of a running job was cancelled (`strata cancel`, the API). */
export class RunCancelledSignal extends Error {
  override readonly name = 'RunCancelledSignal';
}
