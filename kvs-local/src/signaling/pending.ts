import type { SignalingAction } from './types';

/** Key of the master's mailbox: the empty string can never be a ClientId. */
export const MASTER_KEY = '';

// Bounds so a misbehaving master (or a fuzzer) cannot grow memory without limit inside one TTL.
const MAX_PER_RECIPIENT = 256;
const MAX_RECIPIENTS = 1024;

interface PendingEntry {
  /** The finished server frame, encoded once at enqueue time. */
  frame: string;
  type: SignalingAction;
  /** Sender identity for overwrite: a viewer's ClientId, or '' for the master / storage session. */
  sender: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * Messages for recipients that are not connected, kept for the channel's MessageTtlSeconds
 * (kvs-reference.md §4.5). A newer undelivered SDP_OFFER / SDP_ANSWER from the same sender to the same
 * recipient replaces the older one (SendSdpOffer/SendSdpAnswer docs); ICE candidates queue in order.
 * Expiry is exact at delivery time; `prune` only reclaims memory.
 */
export class PendingMailbox {
  private readonly queues = new Map<string, PendingEntry[]>();

  /** Queues a frame; false when the channel already holds the maximum number of mailboxes. */
  add(recipient: string, type: SignalingAction, sender: string, frame: string, expiresAt: number): boolean {
    let queue = this.queues.get(recipient);
    if (!queue) {
      if (this.queues.size >= MAX_RECIPIENTS) return false;
      queue = [];
      this.queues.set(recipient, queue);
    }
    if (type !== 'ICE_CANDIDATE') {
      const older = queue.findIndex((e) => e.type === type && e.sender === sender);
      if (older >= 0) queue.splice(older, 1);
    }
    if (queue.length >= MAX_PER_RECIPIENT) queue.shift();
    queue.push({ frame, type, sender, expiresAt });
    return true;
  }

  /** Removes and returns the unexpired frames for `recipient`, oldest first. */
  take(recipient: string, now: number): string[] {
    const queue = this.queues.get(recipient);
    if (!queue) return [];
    this.queues.delete(recipient);
    const out: string[] = [];
    for (const e of queue) if (e.expiresAt > now) out.push(e.frame);
    return out;
  }

  /** Number of frames waiting for `recipient` (expired ones included until the next prune). */
  count(recipient: string): number {
    return this.queues.get(recipient)?.length ?? 0;
  }

  /** Drops expired entries and empty mailboxes. */
  prune(now: number): void {
    for (const [key, queue] of this.queues) {
      let keep = 0;
      for (const e of queue) if (e.expiresAt > now) queue[keep++] = e;
      queue.length = keep;
      if (keep === 0) this.queues.delete(key);
    }
  }

  get empty(): boolean {
    return this.queues.size === 0;
  }

  clear(): void {
    this.queues.clear();
  }
}
