import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../../src/scheduler/evaluate.ts';
import { formatPlan } from '../../../src/scheduler/plan.ts';

describe('formatPlan: what `strata plan` prints', () => {
  it('lists the run it would start, one line per decision with RUN/WAIT/SKIP aligned, and the next time-based change', () => {
    const plan: Evaluation = {
      requests: [
        {
          assets: ['crypto_stage', 'crypto_curated'],
          trigger: 'upstream',
          reason:
            'crypto_stage: new data in crypto_raw; crypto_curated: upstream crypto_stage runs now',
        },
      ],
      decisions: [
        {
          asset: 'raw_crypto_batches',
          action: 'decline',
          reason: 'fresh: data 12s old, warn after 30m',
        },
        {
          asset: 'crypto_raw',
          action: 'wait',
          trigger: 'upstream',
          reason: 'minInterval 3m: next automated run in 2m',
        },
        {
          asset: 'crypto_stage',
          action: 'request',
          trigger: 'upstream',
          reason: 'new data in crypto_raw (data 1m30s old)',
        },
        {
          asset: 'crypto_curated',
          action: 'request',
          trigger: 'upstream',
          reason: 'upstream crypto_stage runs now',
        },
      ],
      wakeAt: Date.parse('2026-12-01T10:02:00Z'),
    };
    expect(formatPlan(plan)).toBe(
      [
        'Would start a run (upstream) of crypto_stage, crypto_curated:',
        '',
        'SKIP raw_crypto_batches  fresh: data 12s old, warn after 30m',
        'WAIT crypto_raw          minInterval 3m: next automated run in 2m',
        'RUN  crypto_stage        new data in crypto_raw (data 1m30s old)',
        'RUN  crypto_curated      upstream crypto_stage runs now',
        '',
        'Next time-based change: 2026-12-01T10:02:00.000Z',
      ].join('\n'),
    );
  });

  it('says when nothing would run, and omits the next change when there is none', () => {
    expect(
      formatPlan({
        requests: [],
        decisions: [{ asset: 'gold', action: 'decline', reason: 'no new upstream data' }],
        wakeAt: undefined,
      }),
    ).toBe(['Nothing would run now.', '', 'SKIP gold  no new upstream data'].join('\n'));
  });
});
