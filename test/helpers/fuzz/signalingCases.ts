import type { Rng } from './prng';
import {
  b64json,
  base64Chars,
  prependKey,
  randomAlnum,
  randomId,
  randomJson,
  randomText,
  wrongType,
} from './values';

/** Signaling frames (kvs-reference §4.3): valid client messages and the ways the fuzzer breaks them. */

export const ACTIONS = ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'] as const;

/** Who sends a frame and what it could address. */
export interface Sender {
  role: 'MASTER' | 'VIEWER';
  clientId: string | null;
  /** ClientIds of the viewers connected to the sender's channel. */
  viewerIds: readonly string[];
  /** The broker's messagePayload limit (limits.maxMessageBytes). */
  maxPayload: number;
}

export const FRAME_KINDS = {
  valid: 20,
  pascal: 6,
  'null-camel': 3,
  mutated: 18,
  'unknown-action': 6,
  'bad-base64': 6,
  'odd-base64': 2,
  empty: 5,
  oversize: 4,
  boundary: 2,
  'bad-recipient': 5,
  'unknown-recipient': 3,
  'bad-correlation': 5,
  'random-json': 4,
  'not-json': 4,
  binary: 6,
  'binary-json': 2,
  'extra-keys': 3,
  'duplicate-keys': 2,
  ping: 2,
} as const;
export type FrameKind = keyof typeof FRAME_KINDS;

export interface FrameCase {
  kind: FrameKind;
  data: string | Buffer;
  binary: boolean;
  ping: boolean;
}

/** A text frame holding `data` as is. */
export function textFrame(kind: FrameKind, data: string): FrameCase {
  return { kind, data, binary: false, ping: false };
}

/** A well-formed client message (§4.3) from `s`; `seq` makes payloads and correlationIds unique. */
export function validMessage(
  rng: Rng,
  s: Sender,
  seq: number,
  withCorrelation = rng.chance(0.6),
): Record<string, unknown> {
  const action = rng.pick(ACTIONS);
  const payload =
    action === 'ICE_CANDIDATE'
      ? {
          candidate: `candidate:${seq} 1 udp 2122260223 127.0.0.1 ${rng.range(1024, 65535)} typ host`,
          sdpMid: '0',
          sdpMLineIndex: 0,
        }
      : {
          type: action === 'SDP_OFFER' ? 'offer' : 'answer',
          sdp: `v=0\r\no=- ${seq} 2 IN IP4 127.0.0.1\r\n${'a=x\r\n'.repeat(rng.int(60))}`,
        };
  const msg: Record<string, unknown> = { action, messagePayload: b64json(payload) };
  if (s.role === 'MASTER') msg.recipientClientId = rng.pick(s.viewerIds);
  else if (rng.chance(0.2)) msg.recipientClientId = rng.chance(0.5) ? '' : randomId(rng);
  if (withCorrelation) msg.correlationId = rng.chance(0.5) ? `c${seq}` : `c.${seq}_${randomAlnum(rng, 3)}-x`;
  return msg;
}

/** Draws one frame of `kind` for sender `s`. */
export function generateFrame(
  rng: Rng,
  s: Sender,
  seq: number,
  kind: FrameKind = rng.weighted(FRAME_KINDS),
): FrameCase {
  const text = (v: unknown): FrameCase => textFrame(kind, JSON.stringify(v));
  const m = validMessage(rng, s, seq);
  switch (kind) {
    case 'valid':
      return text(m);
    case 'pascal': {
      // The C SDK's casing (§4.3): lower-case action, PascalCase others, "" recipient from a viewer.
      const out: Record<string, unknown> = {
        [rng.chance(0.8) ? 'action' : 'Action']: m.action,
        MessagePayload: m.messagePayload,
      };
      out.RecipientClientId = s.role === 'MASTER' ? m.recipientClientId : '';
      if (m.correlationId !== undefined) out.CorrelationId = m.correlationId;
      if (rng.chance(0.3)) out.IceServerList = [{ Password: 'p', Ttl: 300, Uris: ['turn:x'], Username: 'u' }];
      return text(out);
    }
    case 'null-camel': {
      const out: Record<string, unknown> = { ...m, messagePayload: null, MessagePayload: m.messagePayload };
      if (m.correlationId !== undefined) {
        out.correlationId = null;
        out.CorrelationId = m.correlationId;
      }
      return text(out);
    }
    case 'mutated': {
      const keys = Object.keys(m);
      const n = rng.range(1, 2);
      for (let i = 0; i < n; i++) {
        const k = rng.pick(keys);
        if (rng.chance(0.3)) delete m[k];
        else m[k] = wrongType(rng, m[k]);
      }
      return text(m);
    }
    case 'unknown-action':
      m.action = rng.pick([
        'sdp_offer',
        'SDP_OFFERX',
        '',
        'GO_AWAY',
        'STATUS_RESPONSE',
        'SDP OFFER',
        randomId(rng),
        42,
        null,
        ['SDP_OFFER'],
        {},
      ]);
      if (m.action === null) delete m.action;
      return text(m);
    case 'bad-base64':
      m.messagePayload = rng.pick([
        String(m.messagePayload).replace(/[+/]/g, '-'),
        'not base64!',
        'QQ==\n',
        ' QQ==',
        'ÿÿÿ',
        '😀',
        '%%%',
        'QQ== ',
        'Q_Q-',
        `${String(m.messagePayload)}\u0000`,
      ]);
      return text(m);
    case 'odd-base64':
      // Matches the documented pattern though it is no valid base64: relayed as-is (P2P never decodes).
      m.messagePayload = rng.pick(['A', '====', 'AB=C', 'QQ', '+/+/']);
      return text(m);
    case 'empty':
      if (rng.chance(0.5)) {
        m.messagePayload = '';
        return text(m);
      }
      return textFrame(kind, rng.pick(['', '{}', '[]', 'null', '""', ' ', '{"action":""}']));
    case 'oversize':
      m.messagePayload = base64Chars(rng, rng.range(s.maxPayload + 1, 50_000));
      return text(m);
    case 'boundary':
      m.messagePayload = base64Chars(rng, rng.chance(0.5) ? s.maxPayload : s.maxPayload + 1);
      return text(m);
    case 'bad-recipient':
      m.recipientClientId = rng.pick([
        'bad id',
        'x'.repeat(257),
        42,
        {},
        [],
        true,
        'ü',
        'a/b',
        '..',
        `${randomId(rng)} `,
      ]);
      return text(m);
    case 'unknown-recipient':
      m.recipientClientId = `nobody-${randomId(rng, 1, 8)}`;
      return text(m);
    case 'bad-correlation':
      m.correlationId = rng.pick(['has space', 'x'.repeat(257), 12, {}, [], true, 'ü', 'a/b', 'end\n']);
      return text(m);
    case 'random-json':
      return text(randomJson(rng, 3));
    case 'not-json': {
      const json = JSON.stringify(m);
      return textFrame(
        kind,
        rng.pick([
          randomText(rng, 12),
          json.slice(0, rng.int(json.length)),
          `${json}}`,
          json.replace(/"/g, "'"),
        ]),
      );
    }
    case 'binary':
      return { kind, data: rng.bytes(rng.range(0, 2000)), binary: true, ping: false };
    case 'binary-json':
      return { kind, data: Buffer.from(JSON.stringify(m), 'utf8'), binary: true, ping: false };
    case 'extra-keys': {
      m.senderClientId = 'spoofed-sender';
      m.messageType = 'STATUS_RESPONSE';
      m[randomId(rng)] = randomJson(rng);
      const json = JSON.stringify(m);
      return textFrame(
        kind,
        prependKey(prependKey(json, 'constructor', '1'), '__proto__', '{"action":"SDP_OFFER"}'),
      );
    }
    case 'duplicate-keys': {
      const json = JSON.stringify(m);
      // The last duplicate wins in JSON.parse; the first is junk.
      return textFrame(kind, prependKey(prependKey(json, 'messagePayload', '"!!"'), 'action', '"JUNK"'));
    }
    case 'ping':
      return { kind, data: rng.bytes(rng.range(0, 125)), binary: true, ping: true };
  }
}
