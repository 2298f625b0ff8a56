import { describe, expect, it } from 'vitest';
import { kvsErrors } from '../../../kvs-local/src/errors';
import {
  controlFrame,
  decodePayload,
  encodePayload,
  parseClientFrame,
  recipientProblem,
  relayFrame,
  statusResponseFrame,
} from '../../../kvs-local/src/signaling/frames';

const P = encodePayload({ type: 'offer', sdp: 'v=0' });

describe('client frame parsing', () => {
  it('reads camelCase (JS SDK) and PascalCase (C SDK) keys alike', () => {
    const camel = parseClientFrame(
      JSON.stringify({
        action: 'SDP_ANSWER',
        recipientClientId: 'v1',
        messagePayload: P,
        correlationId: 'c.1',
      }),
      10240,
    );
    const pascal = parseClientFrame(
      JSON.stringify({
        action: 'SDP_ANSWER',
        RecipientClientId: 'v1',
        MessagePayload: P,
        CorrelationId: 'c.1',
      }),
      10240,
    );
    const expected = {
      kind: 'ok',
      msg: { action: 'SDP_ANSWER', recipient: 'v1', messagePayload: P, correlationId: 'c.1' },
    };
    expect(camel).toEqual(expected);
    expect(pascal).toEqual(expected);
  });

  it('treats an empty recipient and empty correlationId as absent', () => {
    const r = parseClientFrame(
      JSON.stringify({
        action: 'ICE_CANDIDATE',
        RecipientClientId: '',
        MessagePayload: P,
        CorrelationId: '',
      }),
      100,
    );
    expect(r).toEqual({
      kind: 'ok',
      msg: { action: 'ICE_CANDIDATE', recipient: undefined, messagePayload: P, correlationId: undefined },
    });
  });

  it('ignores unparsable text, non-objects and malformed correlationIds', () => {
    for (const text of ['nope', '[]', '"s"', 'null', '42'])
      expect(parseClientFrame(text, 100).kind).toBe('ignore');
    expect(
      parseClientFrame(JSON.stringify({ action: 'SDP_OFFER', messagePayload: P, correlationId: 'a b' }), 100)
        .kind,
    ).toBe('ignore');
    expect(
      parseClientFrame(
        JSON.stringify({ action: 'SDP_OFFER', messagePayload: P, correlationId: 'x'.repeat(257) }),
        100,
      ).kind,
    ).toBe('ignore');
  });

  it('flags a bad action, a missing, oversize or non-base64 payload with the correlationId', () => {
    const bad = (o: object) => parseClientFrame(JSON.stringify({ correlationId: 'k', ...o }), 8);
    for (const o of [
      { action: 'SDP_PRANSWER', messagePayload: 'AAAA' },
      { action: 'SDP_OFFER' },
      { action: 'SDP_OFFER', messagePayload: '' },
      { action: 'SDP_OFFER', messagePayload: 7 },
      { action: 'SDP_OFFER', messagePayload: 'AAAAAAAAAAAA' },
      { action: 'SDP_OFFER', messagePayload: 'AA$A' },
    ]) {
      const r = bad(o);
      expect(r.kind).toBe('invalid');
      if (r.kind === 'invalid') {
        expect(r.correlationId).toBe('k');
        expect(r.error.type).toBe('InvalidArgumentException');
      }
    }
    expect(bad({ action: 'SDP_OFFER', messagePayload: 'AAAAAAAA' }).kind).toBe('ok'); // exactly the limit
  });

  it('validates the master recipient', () => {
    expect(recipientProblem(undefined)).toMatch(/required/);
    expect(recipientProblem(5)).toMatch(/1-256/);
    expect(recipientProblem('a b')).toMatch(/1-256/);
    expect(recipientProblem('x'.repeat(257))).toMatch(/1-256/);
    expect(recipientProblem('viewer_1.a-b')).toBeNull();
  });
});

describe('server frames', () => {
  it('are valid JSON of the documented shapes', () => {
    expect(JSON.parse(relayFrame('v1', 'SDP_OFFER', P))).toEqual({
      senderClientId: 'v1',
      messageType: 'SDP_OFFER',
      messagePayload: P,
    });
    expect(JSON.parse(relayFrame(null, 'ICE_CANDIDATE', P))).toEqual({
      messageType: 'ICE_CANDIDATE',
      messagePayload: P,
    });
    expect(JSON.parse(controlFrame('GO_AWAY'))).toEqual({ messageType: 'GO_AWAY' });
    expect(JSON.parse(statusResponseFrame('c1', kvsErrors.clientLimit()))).toEqual({
      messageType: 'STATUS_RESPONSE',
      statusResponse: {
        correlationId: 'c1',
        errorType: 'ClientLimitExceededException',
        statusCode: '400',
        description: kvsErrors.clientLimit().message,
        success: false,
      },
    });
  });

  it('round-trips payloads and refuses non-JSON', () => {
    expect(decodePayload(P)).toEqual({ type: 'offer', sdp: 'v=0' });
    expect(() => decodePayload(Buffer.from('not json').toString('base64'))).toThrow(/base64-encoded JSON/);
  });
});
