import { describe, expect, it } from 'vitest';
import { channelArnProblem, clientIdProblem, nameProblem, parseArn } from '../../../src-shared/kvs/validate';

describe('KVS identifiers', () => {
  it('parses channel ARNs and names what is wrong with bad ones', () => {
    expect(parseArn('arn:aws:kinesisvideo:us-west-2:123456789012:channel/front-door/1657142193914')).toEqual({
      partition: 'aws',
      region: 'us-west-2',
      accountId: '123456789012',
      resourceType: 'channel',
      name: 'front-door',
      creationTime: 1657142193914,
    });
    expect(channelArnProblem('arn:aws:kinesisvideo:us-west-2:1:channel/a/1')).toBeNull();
    expect(channelArnProblem('')).toBe('ChannelARN is required.');
    expect(channelArnProblem('arn:aws:s3:::bucket')).toMatch(/is not a Kinesis Video ARN/);
    expect(channelArnProblem('arn:aws:kinesisvideo:us-west-2:1:stream/a/1')).toMatch(/names a stream/);
    expect(channelArnProblem(`arn:aws:kinesisvideo:us-west-2:1:channel/${'a'.repeat(1024)}/1`)).toMatch(
      /longer than 1024/,
    );
  });

  it('applies the ClientId rules of ConnectAsViewer', () => {
    expect(clientIdProblem('tile-3.console_A')).toBeNull();
    expect(clientIdProblem('a'.repeat(256))).toBeNull();
    expect(clientIdProblem('a'.repeat(257))).toMatch(/longer than 256/);
    expect(clientIdProblem('has space')).toMatch(/may only contain/);
    expect(clientIdProblem('AWS_tile')).toMatch(/must not start with 'AWS_'/);
    expect(clientIdProblem('aws_tile')).toMatch(/must not start with 'AWS_'/);
    expect(clientIdProblem('')).toBe('ClientId is required.');
    expect(clientIdProblem(42)).toBe('ClientId is required.');
  });

  it('checks channel and stream names', () => {
    expect(nameProblem('ChannelName', 'lobby.cam-1_A')).toBeNull();
    expect(nameProblem('ChannelName', 'lobby/1')).toMatch(/may only contain/);
  });
});
