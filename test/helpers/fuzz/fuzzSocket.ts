import type { WebSocket } from 'ws';
import { parseServerFrame, type FrameVerdict } from './expectations';
import { connectUrl, openSocket, watchSocket } from './handshake';
import { channelEndpoint, createChannel, type Instance } from './instances';
import type { Problems } from './report';
import type { FrameCase, Sender } from './signalingCases';

export interface SentFrame {
  frame: FrameCase;
  verdict: FrameVerdict;
}

/** One fuzzing connection: what it sent (with the oracle's verdicts) and what it received. */
export class FuzzSocket {
  readonly sent: SentFrame[] = [];
  /** Valid correlationIds sent; a STATUS_RESPONSE may only name one of these. */
  readonly corrs = new Set<string>();
  readonly statuses = new Map<string, string>();
  /** Relayed frames received: multiset of `sender|action|payload`. */
  readonly relays = new Map<string, number>();

  constructor(
    readonly label: string,
    readonly sender: Sender,
    readonly ws: WebSocket,
    private readonly problem: (text: string) => void,
  ) {
    ws.on('message', (data: Buffer, isBinary) => this.receive(data, isBinary));
    watchSocket(ws, `${label} (during the fuzz)`, problem);
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const f = parseServerFrame(data, isBinary);
    if (typeof f === 'string') return this.problem(`${this.label}: ${f}`);
    if (f.statusResponse) {
      const corr = f.statusResponse.correlationId;
      if (!this.corrs.has(corr))
        return this.problem(
          `${this.label}: STATUS_RESPONSE for ${JSON.stringify(corr)}, not a valid correlationId it sent`,
        );
      if (this.statuses.has(corr)) return this.problem(`${this.label}: second STATUS_RESPONSE for ${corr}`);
      this.statuses.set(corr, f.statusResponse.errorType);
      return;
    }
    if (f.messagePayload === undefined) return this.problem(`${this.label}: unexpected ${f.messageType}`);
    if (this.sender.role === 'VIEWER' && f.senderClientId !== undefined)
      return this.problem(`${this.label}: relay from the master carries senderClientId ${f.senderClientId}`);
    if (this.sender.role === 'MASTER' && f.senderClientId === undefined)
      return this.problem(`${this.label}: relay from a viewer without senderClientId`);
    const key = `${f.senderClientId ?? ''}|${f.messageType}|${f.messagePayload}`;
    this.relays.set(key, (this.relays.get(key) ?? 0) + 1);
  }

  send(frame: FrameCase, verdict: FrameVerdict): void {
    if (verdict.kind !== 'ignored' && verdict.corr !== undefined) this.corrs.add(verdict.corr);
    this.sent.push({ frame, verdict });
    if (frame.ping) this.ws.ping(frame.data);
    else this.ws.send(frame.data, { binary: frame.binary });
  }

  takeRelay(key: string): boolean {
    const n = this.relays.get(key) ?? 0;
    if (n === 0) return false;
    if (n === 1) this.relays.delete(key);
    else this.relays.set(key, n - 1);
    return true;
  }
}

/** A fuzzed channel: its master and viewers, each a FuzzSocket. */
export interface Group {
  name: string;
  arn: string;
  master: FuzzSocket;
  viewers: FuzzSocket[];
}

export function socketsOf(g: Group): FuzzSocket[] {
  return [g.master, ...g.viewers];
}

/** Creates channel `name` on `inst` and connects its master and `viewers` viewers. */
export async function openGroup(
  inst: Instance,
  name: string,
  viewers: number,
  problems: Problems,
): Promise<Group> {
  const arn = await createChannel(inst.kv, name);
  const mEndpoint = await channelEndpoint(inst.kv, arn, 'MASTER');
  const vEndpoint = await channelEndpoint(inst.kv, arn, 'VIEWER');
  const ids = Array.from({ length: viewers }, (_, i) => `${name}-viewer-${i}`);
  const max = inst.kvs.limits.maxMessageBytes;
  const master = new FuzzSocket(
    `${inst.name}/${name}/master`,
    { role: 'MASTER', clientId: null, viewerIds: ids, maxPayload: max },
    await openSocket(connectUrl(inst, mEndpoint, arn)),
    problems.add,
  );
  const vs: FuzzSocket[] = [];
  for (const id of ids) {
    vs.push(
      new FuzzSocket(
        `${inst.name}/${name}/${id}`,
        { role: 'VIEWER', clientId: id, viewerIds: ids, maxPayload: max },
        await openSocket(connectUrl(inst, vEndpoint, arn, id)),
        problems.add,
      ),
    );
  }
  return { name, arn, master, viewers: vs };
}
