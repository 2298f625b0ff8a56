import { WebSocket } from 'ws';
import { eventually } from '../kvsLocal';
import { sleep } from './async';
import { parseServerFrame } from './expectations';
import { watchSocket } from './handshake';
import type { Problems } from './report';
import { b64json } from './values';

/** A master/viewer pair that keeps negotiating while everything else is fuzzed; every message must arrive. */
export class HealthyPair {
  offersSent = 0;
  offersAtMaster = 0;
  answersAtViewer = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly master: WebSocket,
    readonly viewer: WebSocket,
    private readonly intervalMs: number,
    private readonly problems: Problems,
  ) {
    const problem = problems.add;
    master.on('message', (data: Buffer, isBinary) => {
      const f = parseServerFrame(data, isBinary);
      if (typeof f === 'string') return problem(`${name} healthy master: ${f}`);
      const expected = b64json({ type: 'offer', sdp: `healthy ${this.offersAtMaster}` });
      if (
        f.messageType !== 'SDP_OFFER' ||
        f.senderClientId !== 'healthy-viewer' ||
        f.messagePayload !== expected
      )
        return problem(`${name} healthy master: unexpected ${data.toString('utf8').slice(0, 120)}`);
      const n = this.offersAtMaster++;
      master.send(
        JSON.stringify({
          action: 'SDP_ANSWER',
          recipientClientId: 'healthy-viewer',
          messagePayload: b64json({ type: 'answer', sdp: `healthy ${n}` }),
          correlationId: `answer-${n}`,
        }),
      );
    });
    viewer.on('message', (data: Buffer, isBinary) => {
      const f = parseServerFrame(data, isBinary);
      if (typeof f === 'string') return problem(`${name} healthy viewer: ${f}`);
      const expected = b64json({ type: 'answer', sdp: `healthy ${this.answersAtViewer}` });
      if (f.messageType !== 'SDP_ANSWER' || f.senderClientId !== undefined || f.messagePayload !== expected)
        return problem(`${name} healthy viewer: unexpected ${data.toString('utf8').slice(0, 120)}`);
      this.answersAtViewer++;
    });
    watchSocket(master, `${name} healthy master`, problem);
    watchSocket(viewer, `${name} healthy viewer`, problem);
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const n = this.offersSent++;
        this.viewer.send(
          JSON.stringify({
            action: 'SDP_OFFER',
            messagePayload: b64json({ type: 'offer', sdp: `healthy ${n}` }),
            correlationId: `offer-${n}`,
          }),
        );
        await sleep(this.intervalMs);
      }
    })();
  }

  /** Stops sending (without waiting for answers). */
  halt(): void {
    this.running = false;
  }

  /** Stops sending and waits until every offer has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await eventually(() => this.answersAtViewer === this.offersSent, 10_000).catch(() => {
      this.problems.add(
        `${this.name} healthy pair: ${this.offersSent} offers, ${this.answersAtViewer} answers`,
      );
    });
  }

  get open(): boolean {
    return this.master.readyState === WebSocket.OPEN && this.viewer.readyState === WebSocket.OPEN;
  }
}
