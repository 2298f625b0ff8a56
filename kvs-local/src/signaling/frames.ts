import { correlationIdProblem, ID_PATTERN } from '../../../src-shared/kvs/validate';
import { kvsErrors, type KvsError } from '../errors';
import type { ServerMessageType, SignalingAction } from './types';

/**
 * The WebSocket wire format (kvs-reference.md §4.3, §4.4). Parsing is lenient exactly where real clients
 * differ (camelCase from the JS SDK, PascalCase from the C SDK, empty recipient = absent, unknown keys
 * ignored) and strict where the service documents constraints.
 */

/** Index of each action's per-connection rate bucket. */
export const ACTION_INDEX: Readonly<Record<SignalingAction, 0 | 1 | 2>> = {
  SDP_OFFER: 0,
  SDP_ANSWER: 1,
  ICE_CANDIDATE: 2,
};

// The doc pattern for messagePayload (§2 SendAlexaOfferToMaster / §4.3): base64 alphabet including '='.
const BASE64 = /^[A-Za-z0-9+/=]+$/;

/** A well-formed client message, ready to route. */
export interface ClientMessage {
  action: SignalingAction;
  messagePayload: string;
  /** Raw recipient value; `undefined` when absent or empty. Only the master's is validated (viewers' is ignored). */
  recipient: unknown;
  correlationId: string | undefined;
}

export type ParsedFrame =
  /** Not something we can answer: unparsable, not an object, or a malformed correlationId. */
  | { kind: 'ignore' }
  | { kind: 'invalid'; correlationId: string | undefined; error: KvsError }
  | { kind: 'ok'; msg: ClientMessage };

const IGNORE: ParsedFrame = { kind: 'ignore' };

function pick(obj: Record<string, unknown>, camel: string, pascal: string): unknown {
  const v = obj[camel];
  return v === undefined || v === null ? obj[pascal] : v;
}

function isAction(v: unknown): v is SignalingAction {
  return v === 'SDP_OFFER' || v === 'SDP_ANSWER' || v === 'ICE_CANDIDATE';
}

/** Parses and validates one text frame from a client. */
export function parseClientFrame(text: string, maxPayloadChars: number): ParsedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return IGNORE; // §4.4: unparsable text is ignored, never fatal.
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return IGNORE;
  const obj = parsed as Record<string, unknown>;

  const rawCorrelation = pick(obj, 'correlationId', 'CorrelationId');
  let correlationId: string | undefined;
  if (rawCorrelation !== undefined && rawCorrelation !== null && rawCorrelation !== '') {
    // A correlationId we cannot echo back makes the failure uncorrelated, and uncorrelated failures are
    // silent (§4.4), so a malformed one drops the message without a reply.
    if (correlationIdProblem(rawCorrelation) !== null) return IGNORE;
    correlationId = rawCorrelation as string;
  }

  const action = pick(obj, 'action', 'Action');
  if (!isAction(action)) {
    const shown = typeof action === 'string' ? action.slice(0, 64) : typeof action;
    return invalid(
      correlationId,
      `Unsupported action '${shown}'; expected SDP_OFFER, SDP_ANSWER or ICE_CANDIDATE.`,
    );
  }

  const payload = pick(obj, 'messagePayload', 'MessagePayload');
  if (typeof payload !== 'string' || payload.length === 0) {
    return invalid(correlationId, 'messagePayload is required.');
  }
  if (payload.length > maxPayloadChars) {
    return invalid(
      correlationId,
      `messagePayload is ${payload.length} characters; the maximum is ${maxPayloadChars}.`,
    );
  }
  if (!BASE64.test(payload)) return invalid(correlationId, 'messagePayload must be base64-encoded.');

  let recipient = pick(obj, 'recipientClientId', 'RecipientClientId');
  if (recipient === '' || recipient === null) recipient = undefined; // The C SDK viewer sends "".
  return { kind: 'ok', msg: { action, messagePayload: payload, recipient, correlationId } };
}

function invalid(correlationId: string | undefined, message: string): ParsedFrame {
  return { kind: 'invalid', correlationId, error: kvsErrors.invalidArgument(message) };
}

/** Reason a master's `recipientClientId` is unusable (§4.3: 1–256 `[a-zA-Z0-9_.-]+`), or null. */
export function recipientProblem(recipient: unknown): string | null {
  if (recipient === undefined) return 'recipientClientId is required for messages from the master.';
  if (typeof recipient !== 'string' || recipient.length > 256 || !ID_PATTERN.test(recipient)) {
    return 'recipientClientId must be 1-256 characters of letters, digits, _ . -';
  }
  return null;
}

/**
 * A relayed SDP/ICE frame. Built by concatenation because every part is already known to need no JSON
 * escaping (ClientIds match `[a-zA-Z0-9_.-]`, payloads the base64 alphabet) — this is the broker's hot path.
 * `senderClientId` is present only when the sender is a viewer (§4.4).
 */
export function relayFrame(senderClientId: string | null, type: SignalingAction, payload: string): string {
  if (senderClientId === null) return `{"messageType":"${type}","messagePayload":"${payload}"}`;
  return `{"senderClientId":"${senderClientId}","messageType":"${type}","messagePayload":"${payload}"}`;
}

/** A failure answer to a correlated client message (§4.4; `statusCode` is a string, `success` false). */
export function statusResponseFrame(correlationId: string, error: KvsError): string {
  return JSON.stringify({
    messageType: 'STATUS_RESPONSE',
    statusResponse: {
      correlationId,
      errorType: error.type,
      statusCode: String(error.status),
      description: error.message.slice(0, 1024),
      success: false,
    },
  });
}

/** Bare control frames: GO_AWAY / RECONNECT_ICE_SERVER carry no payload (§4.4). */
export function controlFrame(type: Extract<ServerMessageType, 'GO_AWAY' | 'RECONNECT_ICE_SERVER'>): string {
  return `{"messageType":"${type}"}`;
}

/** Base64 of the JSON text of `payload`, as the SDKs encode `messagePayload`. */
export function encodePayload(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64');
}

/** Inverse of `encodePayload`; throws InvalidArgument when the text is not base64 of JSON. */
export function decodePayload(messagePayload: string): unknown {
  try {
    return JSON.parse(Buffer.from(messagePayload, 'base64').toString('utf8')) as unknown;
  } catch {
    throw kvsErrors.invalidArgument('messagePayload is not base64-encoded JSON.');
  }
}
