import {
  AccessDeniedException,
  ClientLimitExceededException,
  NoDataRetentionException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis-video';
import { ClientLimitExceededException as StorageClientLimit } from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { describe, expect, it } from 'vitest';
import { IpcFailure, type ErrorCode } from '../../../src-shared/ipc/errors';
import { isTransient, toIpcFailure } from '../../../src-main/core/kvs/errors';

const ARN = 'arn:aws:kinesisvideo:us-west-2:111122223333:channel/door-cam/1700000000000';

/** An error shaped as SDK v3 throws one for a wire error whose name is not in the model (§1.0). */
function wireError(name: string, status: number, message: string) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

function sysError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, $metadata: {} });
}

describe('SDK errors → IpcFailure codes', () => {
  const cases: Array<[string, unknown, ErrorCode, RegExp?]> = [
    [
      'ResourceNotFound (modelled class)',
      new ResourceNotFoundException({
        message: 'The requested channel is not found or not active.',
        $metadata: { httpStatusCode: 404 },
      }),
      'ChannelNotFound',
      /channel 'door-cam' does not exist/,
    ],
    [
      'AccessDenied',
      new AccessDeniedException({ message: 'no', $metadata: {} }),
      'AccessDenied',
      /kinesisvideo:GetSignalingChannelEndpoint/,
    ],
    ['NotAuthorized', wireError('NotAuthorizedException', 401, 'no'), 'AccessDenied'],
    [
      'ClientLimitExceeded (throttling)',
      new ClientLimitExceededException({ message: 'Try making the call later.', $metadata: {} }),
      'Throttled',
    ],
    [
      'ClientLimitExceeded "maximum number of viewers" (storage)',
      new StorageClientLimit({
        message: 'The storage session has reached the maximum number of viewers connected to the session.',
        $metadata: {},
      }),
      'ClientLimitExceeded',
      /maximum number of viewers/,
    ],
    ['InvalidArgument', wireError('InvalidArgumentException', 400, 'bad'), 'InvalidArgument'],
    ['ExpiredToken', wireError('ExpiredToken', 403, 'expired'), 'CredentialsExpired'],
    ['ExpiredTokenException', wireError('ExpiredTokenException', 403, 'expired'), 'CredentialsExpired'],
    ['UnrecognizedClient', wireError('UnrecognizedClientException', 403, 'invalid'), 'CredentialsMissing'],
    [
      'InvalidSignature (wrong secret)',
      wireError('InvalidSignatureException', 403, 'The request signature we calculated does not match'),
      'CredentialsMissing',
      /secret access key/,
    ],
    [
      'InvalidSignature (clock skew)',
      wireError(
        'InvalidSignatureException',
        403,
        'Signature expired: 20231107T044734Z is now earlier than 20231107T045305Z (20231107T045805Z - 5 min.)',
      ),
      'AccessDenied',
      /clock/,
    ],
    ['VersionMismatch', wireError('VersionMismatchException', 400, 'v'), 'Conflict'],
    ['ResourceInUse', wireError('ResourceInUseException', 400, 'in use'), 'Conflict'],
    [
      'NoDataRetention',
      new NoDataRetentionException({ message: 'x', $metadata: {} }),
      'Conflict',
      /retention/,
    ],
    ['ECONNREFUSED', sysError('ECONNREFUSED'), 'Offline', /could not be reached/],
    ['ENOTFOUND', sysError('ENOTFOUND'), 'Offline'],
    ['socket timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'Offline'],
    ['HTTP 503', wireError('ServiceUnavailableException', 503, 'busy'), 'Offline'],
    ['AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'Cancelled'],
    [
      'credential provider',
      Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }),
      'CredentialsMissing',
    ],
    [
      'SSO token expired',
      Object.assign(new Error('The SSO session associated with this profile has expired'), {
        name: 'CredentialsProviderError',
      }),
      'CredentialsExpired',
    ],
    ['unknown', wireError('Unknown', 418, 'teapot'), 'Internal'],
  ];

  for (const [label, err, code, message] of cases) {
    it(`${label} → ${code}`, () => {
      const failure = toIpcFailure(err, {
        operation: 'GetSignalingChannelEndpoint',
        channelArn: ARN,
        profileId: 'ops',
      });
      expect(failure).toBeInstanceOf(IpcFailure);
      expect(failure.code).toBe(code);
      expect(failure.message.length).toBeGreaterThan(10);
      if (message) expect(failure.message).toMatch(message);
    });
  }

  it('passes an IpcFailure through unchanged', () => {
    const f = new IpcFailure('StorageNotEnabled', 'x');
    expect(toIpcFailure(f)).toBe(f);
  });

  it('our own timeout reads as Offline even though the SDK reports an AbortError', () => {
    const f = toIpcFailure(Object.assign(new Error('aborted'), { name: 'AbortError' }), {
      operation: 'JoinStorageSession',
      timedOutAfterMs: 6_000,
    });
    expect(f.code).toBe('Offline');
    expect(f.message).toMatch(/6 s/);
  });

  it('only throttling and offline are transient (never max viewers, never access denied)', () => {
    const transient = (e: unknown) => isTransient(toIpcFailure(e));
    expect(transient(new ClientLimitExceededException({ message: 'later', $metadata: {} }))).toBe(true);
    expect(transient(sysError('ECONNRESET'))).toBe(true);
    expect(transient(wireError('InternalFailure', 500, 'x'))).toBe(true);
    expect(
      transient(new StorageClientLimit({ message: '…maximum number of viewers connected…', $metadata: {} })),
    ).toBe(false);
    expect(transient(new AccessDeniedException({ message: 'x', $metadata: {} }))).toBe(false);
    expect(transient(wireError('ResourceNotFoundException', 404, 'x'))).toBe(false);
  });

  it('never puts a secret-looking value from the error object into the message', () => {
    const err = Object.assign(wireError('UnrecognizedClientException', 403, 'invalid'), {
      secretAccessKey: 'SHOULD-NOT-APPEAR',
    });
    expect(toIpcFailure(err).message).not.toContain('SHOULD-NOT-APPEAR');
  });
});
