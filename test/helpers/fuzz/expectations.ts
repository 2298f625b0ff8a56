import type { UpgradeResult } from './handshake';
import type { AuthMode, HttpCase } from './httpCases';
import type { HttpReply } from './httpRunner';
import { ACTIONS, type FrameCase, type Sender } from './signalingCases';
import { isPlainObject, parseObject } from './values';

/**
 * The oracles: which replies the reference allows for each input (kvs-reference.md §1.0, §4.1–§4.5).
 * Each returns the problems it finds (or a verdict), never throws, so one run reports every deviation.
 */

/** Modelled error types and their statuses (kvs-reference §1.0, §2, §3; errors.ts). */
export const MODELLED_ERRORS: Readonly<Record<string, readonly number[]>> = {
  InvalidArgumentException: [400],
  ClientLimitExceededException: [400],
  ResourceInUseException: [400],
  VersionMismatchException: [400],
  AccountChannelLimitExceededException: [400],
  AccountStreamLimitExceededException: [400],
  TagsPerResourceExceededLimitException: [400],
  NoDataRetentionException: [400],
  InvalidResourceFormatException: [400],
  DeviceStreamLimitExceededException: [400],
  InvalidDeviceException: [400],
  InvalidClientException: [400],
  SessionExpiredException: [400],
  AccessDeniedException: [401, 403],
  NotAuthorizedException: [401],
  ResourceNotFoundException: [404],
  StreamEdgeConfigurationNotFoundException: [404],
  UnknownOperationException: [404],
  MissingAuthenticationTokenException: [403],
  InvalidSignatureException: [403],
  UnrecognizedClientException: [403],
  ExpiredTokenException: [403],
};

const AUTH_ERRORS = new Set([
  'MissingAuthenticationTokenException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'NotAuthorizedException',
]);

export const MAX_HTTP_BODY = 1024 * 1024;

/** Operations whose success is an empty body (§3). */
const EMPTY_OK = new Set(['JoinStorageSession', 'JoinStorageSessionAsViewer']);

const ID_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/=]+$/;
const SERVER_TYPES = new Set([...ACTIONS, 'STATUS_RESPONSE', 'GO_AWAY', 'RECONNECT_ICE_SERVER']);

export function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

// ---- HTTP ---------------------------------------------------------------------------------------------

/** The error an auth failure must produce (§1.0 "Generic SigV4 failures", all 403). */
export function expectedAuthError(mode: AuthMode): string {
  switch (mode) {
    case 'missing':
      return 'MissingAuthenticationTokenException';
    case 'unknown-key':
    case 'token-mismatch':
      return 'UnrecognizedClientException';
    default:
      return 'InvalidSignatureException';
  }
}

/**
 * What the reply to `c` must look like, as the router's documented order implies (body limit → route →
 * SigV4 → JSON → quotas → operation): returns the problems found, empty when the reply is acceptable.
 */
export function checkHttpReply(c: HttpCase, r: HttpReply, throttled: boolean): string[] {
  if (!r.ok) return [`no reply: ${r.error}`];
  const problems: string[] = [];
  const errorType = headerString(r.headers['x-amzn-errortype']);
  if (![200, 400, 401, 403, 404].includes(r.status))
    problems.push(`status ${r.status} (${errorType ?? 'no error type'})`);
  const text = r.body.toString('utf8');
  if (r.status === 200) {
    if (errorType !== undefined) problems.push(`200 with x-amzn-errortype ${errorType}`);
    if (c.method === 'HEAD') {
      // No body to check (HEAD replies carry none); the oracle below still applies.
    } else if (text === '') {
      if (!c.operation || !EMPTY_OK.has(c.operation)) problems.push('200 with an empty body');
    } else if (!parseObject(text)) {
      problems.push('200 body is not a JSON object');
    }
  } else {
    if (errorType === undefined) problems.push(`${r.status} without x-amzn-errortype`);
    else if (!MODELLED_ERRORS[errorType]?.includes(r.status))
      problems.push(`${r.status} ${errorType} is not a modelled error/status pair`);
    if (c.method !== 'HEAD') {
      const b = parseObject(text);
      if (!b) problems.push(`${r.status} body is not a JSON object: ${text.slice(0, 80)}`);
      else {
        if (b.__type !== errorType)
          problems.push(`__type ${String(b.__type)} differs from header ${errorType}`);
        const msg = b.message ?? b.Message;
        if (typeof msg !== 'string' || msg.length === 0) problems.push('error body without a message');
      }
      if (r.body.length > 2048) problems.push(`error body of ${r.body.length} bytes (input reflected?)`);
    }
  }
  // The oracle: which outcome this input must have.
  const sent = c.sentBody ?? c.body;
  const expect = (status: number, types: readonly string[]): void => {
    if (
      r.status !== status ||
      (errorType !== undefined && !types.includes(errorType)) ||
      (status !== 200 && errorType === undefined)
    )
      problems.push(`expected ${status} ${types.join('|')}, got ${r.status} ${errorType ?? ''}`);
  };
  if (sent.length > MAX_HTTP_BODY) {
    expect(400, ['InvalidArgumentException']);
  } else if (!c.knownRoute || c.method !== 'POST') {
    expect(404, ['UnknownOperationException']);
  } else if (c.auth !== 'valid') {
    expect(403, [expectedAuthError(c.auth)]);
  } else {
    const sentText = sent.toString('utf8');
    if (sentText.length > 0 && !parseObject(sentText)) expect(400, ['InvalidArgumentException']);
    else if (r.status === 403 || r.status === 401 || (errorType !== undefined && AUTH_ERRORS.has(errorType)))
      problems.push(`a correctly signed request was refused: ${r.status} ${errorType ?? ''}`);
    else if (errorType === 'ClientLimitExceededException' && !throttled)
      problems.push('ClientLimitExceededException with control-plane quotas off');
    else if (errorType === 'UnknownOperationException')
      problems.push(`UnknownOperationException for the routed operation ${c.operation ?? ''}`);
  }
  return problems;
}

// ---- signaling frames ---------------------------------------------------------------------------------

export type FrameVerdict =
  /** No reply and no relay: binary, unparsable, not an object, or a malformed correlationId. */
  | { kind: 'ignored' }
  /**
   * InvalidArgument: a STATUS_RESPONSE exactly when `corr` is set. `afterRateCheck`: the problem is the
   * master's recipient, which is checked after the per-connection TPS, so ClientLimitExceeded may come first.
   */
  | { kind: 'rejected'; corr: string | undefined; afterRateCheck: boolean }
  /** Relayed to the master (`to` null) or the viewer `to` (or queued when not connected). */
  | { kind: 'relay'; corr: string | undefined; action: string; payload: string; to: string | null };

function pickField(obj: Record<string, unknown>, camel: string, pascal: string): unknown {
  const v = obj[camel];
  return v === undefined || v === null ? obj[pascal] : v;
}

/**
 * What the service does with a frame (kvs-reference §4.3–§4.5), written from the reference: both key
 * casings, empty recipient = absent, unknown keys ignored; STATUS_RESPONSE only for failures of messages
 * with a usable correlationId (`[a-zA-Z0-9_.-]{1,256}`); binary and unparsable frames ignored; payload
 * 1–max characters of the base64 alphabet; a viewer's recipient ignored, the master's required.
 */
export function judgeFrame(f: FrameCase, s: Sender): FrameVerdict {
  if (f.binary || f.ping || typeof f.data !== 'string') return { kind: 'ignored' };
  const obj = parseObject(f.data);
  if (!obj) return { kind: 'ignored' };
  const rawCorr = pickField(obj, 'correlationId', 'CorrelationId');
  let corr: string | undefined;
  if (rawCorr !== undefined && rawCorr !== null && rawCorr !== '') {
    if (typeof rawCorr !== 'string' || rawCorr.length > 256 || !ID_PATTERN.test(rawCorr))
      return { kind: 'ignored' };
    corr = rawCorr;
  }
  const action = pickField(obj, 'action', 'Action');
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))
    return { kind: 'rejected', corr, afterRateCheck: false };
  const payload = pickField(obj, 'messagePayload', 'MessagePayload');
  if (
    typeof payload !== 'string' ||
    payload.length === 0 ||
    payload.length > s.maxPayload ||
    !BASE64_PATTERN.test(payload)
  )
    return { kind: 'rejected', corr, afterRateCheck: false };
  if (s.role === 'VIEWER') return { kind: 'relay', corr, action, payload, to: null };
  let recipient = pickField(obj, 'recipientClientId', 'RecipientClientId');
  if (recipient === '' || recipient === null) recipient = undefined;
  if (typeof recipient !== 'string' || recipient.length > 256 || !ID_PATTERN.test(recipient))
    return { kind: 'rejected', corr, afterRateCheck: true };
  return { kind: 'relay', corr, action, payload, to: recipient };
}

/** A server frame as received, with the problems found in it. */
export interface ServerFrame {
  messageType: string;
  senderClientId: string | undefined;
  messagePayload: string | undefined;
  statusResponse: { correlationId: string; errorType: string; statusCode: string } | undefined;
}

/** Validates one server → client frame against §4.4; returns the frame or the problem. */
export function parseServerFrame(data: Buffer, isBinary: boolean): ServerFrame | string {
  if (isBinary) return 'binary frame from the server';
  const text = data.toString('utf8');
  const f = parseObject(text);
  if (!f) return `server frame is not a JSON object: ${text.slice(0, 80)}`;
  if (typeof f.messageType !== 'string' || !SERVER_TYPES.has(f.messageType))
    return `unknown messageType ${String(f.messageType)}`;
  const frame: ServerFrame = {
    messageType: f.messageType,
    senderClientId: undefined,
    messagePayload: undefined,
    statusResponse: undefined,
  };
  if (f.senderClientId !== undefined) {
    if (typeof f.senderClientId !== 'string' || !ID_PATTERN.test(f.senderClientId))
      return 'malformed senderClientId';
    frame.senderClientId = f.senderClientId;
  }
  if (f.messageType === 'STATUS_RESPONSE') {
    const sr = f.statusResponse;
    if (!isPlainObject(sr)) return 'STATUS_RESPONSE without statusResponse';
    if (
      typeof sr.correlationId !== 'string' ||
      typeof sr.errorType !== 'string' ||
      typeof sr.statusCode !== 'string'
    )
      return `malformed statusResponse ${JSON.stringify(sr).slice(0, 120)}`;
    if (sr.success !== false) return 'STATUS_RESPONSE with success other than false';
    if (sr.description !== undefined && (typeof sr.description !== 'string' || sr.description.length > 1024))
      return 'statusResponse.description is not a string of at most 1K';
    if (!MODELLED_ERRORS[sr.errorType]?.includes(Number(sr.statusCode)))
      return `statusResponse ${sr.statusCode} ${sr.errorType} is not a modelled error/status pair`;
    frame.statusResponse = {
      correlationId: sr.correlationId,
      errorType: sr.errorType,
      statusCode: sr.statusCode,
    };
  } else if ((ACTIONS as readonly string[]).includes(f.messageType)) {
    if (typeof f.messagePayload !== 'string' || !BASE64_PATTERN.test(f.messagePayload))
      return 'relayed frame without a base64 messagePayload';
    frame.messagePayload = f.messagePayload;
  }
  return frame;
}

// ---- WebSocket upgrades -------------------------------------------------------------------------------

/**
 * Problems with a refused upgrade: it must be a modelled error with a matching JSON body and, when
 * `expected` is given, that status and error type.
 */
export function checkRefusal(
  r: Extract<UpgradeResult, { kind: 'refused' }>,
  expected?: { status: number; type: string },
): string[] {
  const problems: string[] = [];
  if (r.errorType === undefined)
    problems.push(`${r.status} refusal without x-amzn-errortype: ${r.body.slice(0, 80)}`);
  else {
    if (!MODELLED_ERRORS[r.errorType]?.includes(r.status))
      problems.push(`${r.status} ${r.errorType} is not modelled`);
    const b = parseObject(r.body);
    if (!b) problems.push('refusal body is not a JSON object');
    else if (b.__type !== r.errorType) problems.push('refusal __type differs from x-amzn-errortype');
  }
  if (expected && (r.status !== expected.status || r.errorType !== expected.type))
    problems.push(`got ${r.status} ${r.errorType ?? ''}, expected ${expected.status} ${expected.type}`);
  return problems;
}
