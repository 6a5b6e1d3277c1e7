import { describe, expect, it } from 'vitest';
import { planCatchUp, snapshotStartSeq } from './catch-up-plan.js';

describe('planCatchUp', () => {
  it('resumes an existing consumer whose unacked records are all still stored', () => {
    expect(planCatchUp({ ackFloorSeq: 10, firstSeq: 11, messages: 5, peers: ['b'] })).toEqual({
      kind: 'resume',
    });
    expect(planCatchUp({ ackFloorSeq: 0, firstSeq: 1, messages: 0, peers: [] })).toEqual({
      kind: 'resume',
    });
  });

  it('snapshots a gateway that was away longer than retention', () => {
    expect(planCatchUp({ ackFloorSeq: 10, firstSeq: 50, messages: 5, peers: ['b'] })).toEqual({
      kind: 'snapshot',
      reason: 'away_longer_than_retention',
      dropConsumer: true,
    });
    expect(planCatchUp({ ackFloorSeq: 10, firstSeq: 50, messages: 5, peers: [] })).toEqual({
      kind: 'gap_without_peer',
      consumerExists: true,
    });
  });

  it('consumes everything on a stream that still starts at 1', () => {
    expect(
      planCatchUp({ ackFloorSeq: undefined, firstSeq: 1, messages: 100, peers: ['b'] }),
    ).toEqual({
      kind: 'create_all',
    });
    expect(planCatchUp({ ackFloorSeq: undefined, firstSeq: 0, messages: 0, peers: ['b'] })).toEqual(
      {
        kind: 'create_all',
      },
    );
  });

  it('snapshots a new gateway joining after records aged out', () => {
    expect(planCatchUp({ ackFloorSeq: undefined, firstSeq: 7, messages: 3, peers: ['b'] })).toEqual(
      {
        kind: 'snapshot',
        reason: 'new_gateway',
        dropConsumer: false,
      },
    );
    expect(planCatchUp({ ackFloorSeq: undefined, firstSeq: 7, messages: 3, peers: [] })).toEqual({
      kind: 'gap_without_peer',
      consumerExists: false,
    });
  });
});

describe('snapshotStartSeq', () => {
  it('starts one past the peer floor, never before the stream start', () => {
    expect(snapshotStartSeq(10, 5)).toBe(11);
    expect(snapshotStartSeq(10, 50)).toBe(50);
    expect(snapshotStartSeq(0, 0)).toBe(1);
  });
});
