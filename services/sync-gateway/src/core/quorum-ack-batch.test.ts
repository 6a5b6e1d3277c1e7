import { describe, expect, it } from 'vitest';
import {
  MAX_ACK_MSG_IDS,
  QuorumAckBatchSchema,
  parseQuorumAck,
  quorumAckBodies,
} from './quorum-ack-batch.js';

const hash = (n: number): string => n.toString(16).padStart(64, '0');
const msgId = (n: number): string => `node-a:id-${String(n)}:${hash(n)}`;
const AT = '2026-05-01T00:00:00.000Z';

describe('quorum ack bodies', () => {
  it('uses the core single-ack shape for one msg id', () => {
    expect(quorumAckBodies('node-b', [msgId(1)], AT)).toEqual([
      { msg_id: msgId(1), node_id: 'node-b', at: AT },
    ]);
  });

  it('sends nothing for no msg id and each duplicate once', () => {
    expect(quorumAckBodies('node-b', [], AT)).toEqual([]);
    expect(quorumAckBodies('node-b', [msgId(1), msgId(1)], AT)).toEqual([
      { msg_id: msgId(1), node_id: 'node-b', at: AT },
    ]);
  });

  it('batches several msg ids, at most MAX_ACK_MSG_IDS per body, every id exactly once', () => {
    const ids = Array.from({ length: MAX_ACK_MSG_IDS * 2 + 3 }, (_, i) => msgId(i));
    const bodies = quorumAckBodies('node-b', ids, AT);
    expect(bodies).toHaveLength(3);
    const seen = bodies.flatMap((body) => {
      const parsed = parseQuorumAck(body);
      expect(parsed?.nodeId).toBe('node-b');
      return parsed?.msgIds ?? [];
    });
    expect(seen).toEqual(ids);
    for (const body of bodies) expect(QuorumAckBatchSchema.safeParse(body).success).toBe(true);
  });
});

describe('parseQuorumAck', () => {
  it('reads both shapes', () => {
    expect(parseQuorumAck({ msg_id: msgId(1), node_id: 'node-c', at: AT })).toEqual({
      nodeId: 'node-c',
      msgIds: [msgId(1)],
    });
    expect(parseQuorumAck({ msg_ids: [msgId(1), msgId(2)], node_id: 'node-c', at: AT })).toEqual({
      nodeId: 'node-c',
      msgIds: [msgId(1), msgId(2)],
    });
  });

  it('refuses anything else', () => {
    const bad: unknown[] = [
      null,
      'ack',
      {},
      { msg_ids: [], node_id: 'node-c', at: AT },
      { msg_ids: ['not-a-msg-id'], node_id: 'node-c', at: AT },
      { msg_id: msgId(1), msg_ids: [msgId(1)], node_id: 'node-c', at: AT },
      { msg_ids: [msgId(1)], node_id: 'node-c', at: AT, extra: 1 },
      { msg_ids: [msgId(1)], node_id: 'node-c', at: 'yesterday' },
      {
        msg_ids: Array.from({ length: MAX_ACK_MSG_IDS + 1 }, (_, i) => msgId(i)),
        node_id: 'node-c',
        at: AT,
      },
    ];
    for (const value of bad) expect(parseQuorumAck(value)).toBeUndefined();
  });
});
