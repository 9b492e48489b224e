import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/** PutMetricData accepts up to 1000 datums and a 1 MB request per call. */
export const PUT_METRIC_DATA_LIMITS = { maxDatums: 1000, maxBytes: 1_000_000 } as const;

/**
 * Splits datums into PutMetricData-sized batches, in order. Request size is estimated from the
 * JSON size times two (the query protocol repeats each member path per field), which stays
 * above the real encoding for datums of any shape.
 */
export function batchDatums(
  datums: readonly MetricDatum[],
  limits: { maxDatums: number; maxBytes: number } = PUT_METRIC_DATA_LIMITS,
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of datums) {
    const size = estimatedSize(datum);
    if (
      current.length > 0 &&
      (current.length >= limits.maxDatums || bytes + size > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Request bytes one datum may take, with room for its member path prefixes. */
export function estimatedSize(datum: MetricDatum): number {
  return 2 * JSON.stringify(datum).length + 200;
}
