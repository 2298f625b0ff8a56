import { describe, expect, it } from 'vitest';
import { checkAnswer, parseMediaSections, stripCandidates } from '../../../kvs-local/src/storage/sdp';

function answer({
  videoPort = 9,
  videoCodec = 'H264/90000',
  videoFmtp = 'profile-level-id=42e01f;packetization-mode=1',
  videoDirection = 'sendonly',
  audioCodec = 'opus/48000/2',
} = {}): string {
  return [
    'v=0',
    'o=- 1 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    `m=video ${videoPort} UDP/TLS/RTP/SAVPF 102`,
    `a=${videoDirection}`,
    `a=rtpmap:102 ${videoCodec}`,
    `a=fmtp:102 ${videoFmtp}`,
    'a=candidate:1 1 udp 2116026367 192.0.2.2 5000 typ host',
    'a=end-of-candidates',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=sendrecv',
    `a=rtpmap:111 ${audioCodec}`,
    '',
  ].join('\r\n');
}

describe('checkAnswer', () => {
  it('accepts H.264 packetization-mode 1 video and Opus audio', () => {
    expect(checkAnswer(answer(), 'master')).toBeUndefined();
    expect(checkAnswer(answer({ videoDirection: 'recvonly' }), 'viewer')).toBeUndefined();
  });

  it('refuses an answer without H.264 or Opus', () => {
    expect(checkAnswer(answer({ videoCodec: 'VP8/90000', videoFmtp: '' }), 'master')).toBe('codecs');
    expect(checkAnswer(answer({ audioCodec: 'PCMU/8000' }), 'master')).toBe('codecs');
  });

  it('refuses rejected video and packetization-mode 0', () => {
    expect(checkAnswer(answer({ videoPort: 0 }), 'master')).toBe('codecs');
    expect(checkAnswer(answer({ videoFmtp: 'profile-level-id=42e01f' }), 'master')).toBe('codecs');
  });

  it('refuses video flowing the wrong way for the role', () => {
    expect(checkAnswer(answer({ videoDirection: 'recvonly' }), 'master')).toBe('master-video-direction');
    expect(checkAnswer(answer({ videoDirection: 'sendonly' }), 'viewer')).toBe('viewer-video-direction');
  });
});

describe('SDP helpers', () => {
  it('parses sections with codecs and direction', () => {
    const [video, audio] = parseMediaSections(answer());
    expect(video?.kind).toBe('video');
    expect(video?.codecs.get(102)).toEqual({
      name: 'h264',
      fmtp: 'profile-level-id=42e01f;packetization-mode=1',
    });
    expect(audio?.direction).toBe('sendrecv');
  });

  it('strips candidate lines for pure trickle', () => {
    const stripped = stripCandidates(answer());
    expect(stripped).not.toContain('a=candidate');
    expect(stripped).not.toContain('end-of-candidates');
    expect(stripped).toContain('a=rtpmap:102 H264/90000');
  });
});
