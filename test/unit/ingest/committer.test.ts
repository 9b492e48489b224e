import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OffsetCommitter } from '../../../src/ingest/committer.ts';

const silent = pino({ level: 'silent' });

describe('OffsetCommitter', () => {
  it('coalesces marks while a commit is in flight and commits the highest', async () => {
    const commits: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const committer = new OffsetCommitter(
      't',
      async (offsets) => {
        commits.push(offsets.map((o) => `${o.partition}:${o.offset}`));
        if (commits.length === 1) await gate;
      },
      silent,
    );
    committer.setAssigned([0, 1]);
    committer.mark(0, 10);
    committer.mark(0, 20);
    committer.mark(1, 5);
    committer.mark(0, 30);
    release();
    await committer.flush();
    expect(commits).toEqual([['0:10'], ['0:30', '1:5']]);
  });

  it('never moves a partition backwards and ignores partitions it does not own', async () => {
    const commits: string[] = [];
    const committer = new OffsetCommitter(
      't',
      (offsets) => {
        commits.push(...offsets.map((o) => `${o.partition}:${o.offset}`));
        return Promise.resolve();
      },
      silent,
    );
    committer.setAssigned([0]);
    committer.mark(0, 50);
    await committer.flush();
    committer.mark(0, 40);
    committer.mark(3, 99);
    await committer.flush();
    expect(commits).toEqual(['0:50']);
  });

  it('keeps going after a failed commit', async () => {
    let calls = 0;
    const committed: string[] = [];
    const committer = new OffsetCommitter(
      't',
      (offsets) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('rebalance in progress'));
        committed.push(...offsets.map((o) => o.offset));
        return Promise.resolve();
      },
      silent,
    );
    committer.setAssigned([0]);
    committer.mark(0, 1);
    await committer.flush();
    committer.mark(0, 2);
    await committer.flush();
    expect(committed).toEqual(['2']);
  });
});
