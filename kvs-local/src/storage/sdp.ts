import { useH264, useOPUS } from 'werift';
import type { RTCRtpCodecParameters } from 'werift';

/**
 * H.264 profiles a storage session offers, packetization-mode 1 only: the session forwards FU-A
 * packets untouched, and KVS ingestion lists constrained-baseline, baseline and main among others
 * (kvs-reference §5). Constrained baseline first, because that is what browsers prefer.
 */
const H264_PROFILES = ['42e01f', '42001f', '4d001f'] as const;

/** Video codecs of every storage-session peer (fresh objects: werift mutates them per peer). */
export function storageVideoCodecs(): RTCRtpCodecParameters[] {
  return H264_PROFILES.map((profile) =>
    useH264({ parameters: `profile-level-id=${profile};packetization-mode=1;level-asymmetry-allowed=1` }),
  );
}

/** Audio codecs of every storage-session peer: Opus only (§5 "audio Opus"). */
export function storageAudioCodecs(): RTCRtpCodecParameters[] {
  return [useOPUS({ parameters: 'minptime=10;useinbandfec=1' })];
}

/** One m-section of an SDP, reduced to what the storage session checks. */
export interface MediaSection {
  kind: string;
  port: number;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Codec per payload type: lower-cased encoding name and the fmtp line (may be empty). */
  codecs: Map<number, { name: string; fmtp: string }>;
}

const directions = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Splits an SDP into its m-sections (session-level lines are ignored). */
export function parseMediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const media = /^m=(\w+) (\d+) \S+ ?(.*)$/.exec(line);
    if (media) {
      current = { kind: media[1] ?? '', port: Number(media[2]), direction: 'sendrecv', codecs: new Map() };
      for (const pt of (media[3] ?? '').split(' ').filter(Boolean)) {
        current.codecs.set(Number(pt), { name: '', fmtp: '' });
      }
      sections.push(current);
      continue;
    }
    if (!current) continue;
    const rtpmap = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(line);
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (rtpmap) {
      const codec = current.codecs.get(Number(rtpmap[1]));
      if (codec) codec.name = (rtpmap[2] ?? '').toLowerCase();
    } else if (fmtp) {
      const codec = current.codecs.get(Number(fmtp[1]));
      if (codec) codec.fmtp = fmtp[2] ?? '';
    } else if (line.startsWith('a=') && directions.has(line.slice(2))) {
      current.direction = line.slice(2) as MediaSection['direction'];
    }
  }
  return sections;
}

function hasCodec(section: MediaSection, accept: (name: string, fmtp: string) => boolean): boolean {
  if (section.port === 0) return false;
  for (const codec of section.codecs.values()) if (accept(codec.name, codec.fmtp)) return true;
  return false;
}

const isH264Mode1 = (name: string, fmtp: string): boolean =>
  name === 'h264' && /(^|;)\s*packetization-mode=1\b/.test(fmtp);
const isOpus = (name: string): boolean => name === 'opus';

/**
 * Checks a participant's answer the way the storage session does before accepting it (§6.2 step 5):
 * an accepted H.264 (packetization-mode 1) video section and an accepted Opus audio section, with
 * video flowing in the direction the role needs (the master sends it, a viewer receives it).
 * Returns `undefined` when acceptable, else a short reason.
 */
export function checkAnswer(sdp: string, role: 'master' | 'viewer'): string | undefined {
  const sections = parseMediaSections(sdp);
  const video = sections.find((s) => s.kind === 'video' && hasCodec(s, isH264Mode1));
  const audio = sections.find((s) => s.kind === 'audio' && hasCodec(s, isOpus));
  if (!video || !audio) return 'codecs';
  const sends = video.direction === 'sendonly' || video.direction === 'sendrecv';
  const receives = video.direction === 'recvonly' || video.direction === 'sendrecv';
  if (role === 'master' && !sends) return 'master-video-direction';
  if (role === 'viewer' && !receives) return 'viewer-video-direction';
  return undefined;
}

/**
 * Removes candidate lines from an SDP so that every candidate travels as its own ICE_CANDIDATE
 * message, as with the real storage session, which requires trickle ICE (§6.2 step 2).
 */
export function stripCandidates(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');
}
