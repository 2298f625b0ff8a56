import { describe, expect, it } from 'vitest';
import { initBuckets, takeToken } from '../../../kvs-local/src/signaling/connection';
import { MASTER_KEY, PendingMailbox } from '../../../kvs-local/src/signaling/pending';

describe('PendingMailbox', () => {
  it('keeps ICE in order and lets a newer SDP from the same sender replace the older one', () => {
    const box = new PendingMailbox();
    box.add(MASTER_KEY, 'SDP_OFFER', 'a', 'offer-a1', 1000);
    box.add(MASTER_KEY, 'ICE_CANDIDATE', 'a', 'ice-a1', 1000);
    box.add(MASTER_KEY, 'SDP_OFFER', 'b', 'offer-b1', 1000);
    box.add(MASTER_KEY, 'ICE_CANDIDATE', 'a', 'ice-a2', 1000);
    box.add(MASTER_KEY, 'SDP_OFFER', 'a', 'offer-a2', 1000);
    box.add(MASTER_KEY, 'SDP_ANSWER', 'a', 'answer-a1', 1000); // a different type is not an overwrite
    expect(box.take(MASTER_KEY, 0)).toEqual(['ice-a1', 'offer-b1', 'ice-a2', 'offer-a2', 'answer-a1']);
    expect(box.take(MASTER_KEY, 0)).toEqual([]);
    expect(box.empty).toBe(true);
  });

  it('drops expired entries at delivery and on prune', () => {
    const box = new PendingMailbox();
    box.add('v', 'ICE_CANDIDATE', '', 'old', 100);
    box.add('v', 'ICE_CANDIDATE', '', 'new', 300);
    expect(box.take('v', 200)).toEqual(['new']);
    box.add('w', 'ICE_CANDIDATE', '', 'old', 100);
    box.add('x', 'ICE_CANDIDATE', '', 'live', 300);
    box.prune(200);
    expect(box.count('w')).toBe(0);
    expect(box.count('x')).toBe(1);
  });

  it('bounds each mailbox and the number of mailboxes', () => {
    const box = new PendingMailbox();
    for (let i = 0; i < 300; i++) box.add('v', 'ICE_CANDIDATE', '', `f${i}`, 1000);
    const frames = box.take('v', 0);
    expect(frames).toHaveLength(256);
    expect(frames[0]).toBe('f44');
    let accepted = 0;
    for (let i = 0; i < 1100; i++) if (box.add(`r${i}`, 'ICE_CANDIDATE', '', 'f', 1000)) accepted++;
    expect(accepted).toBe(1024);
  });
});

describe('per-connection token buckets', () => {
  it('allows a one-second burst, refills at the rate, and 0 disables the limit', () => {
    const b = initBuckets(5, 20, 0);
    let ok = 0;
    for (let i = 0; i < 10; i++) if (takeToken(b, 0, 5, 0)) ok++;
    expect(ok).toBe(5);
    expect(takeToken(b, 1, 5, 0)).toBe(true); // SDP_ANSWER has its own bucket
    expect(takeToken(b, 0, 5, 100)).toBe(false); // 0.5 token after 100 ms
    expect(takeToken(b, 0, 5, 200)).toBe(true); // 1 token after 200 ms
    for (let i = 0; i < 100; i++) expect(takeToken(b, 2, 0, 0)).toBe(true);
  });
});
