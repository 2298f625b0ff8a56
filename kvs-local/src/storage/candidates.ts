import type { RTCIceCandidate, RTCPeerConnection } from 'werift';
import type { CandidateInit } from './sessionPeer';

/**
 * Applies a remote candidate; failures are ignored, as browsers ignore unusable ones (candidates for an
 * m-section this peer rejected, malformed or foreign lines).
 */
export async function addCandidateQuietly(pc: RTCPeerConnection, candidate: CandidateInit): Promise<void> {
  try {
    await pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? undefined,
      sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
    });
  } catch {
    // See above.
  }
}

/** A local werift candidate as it travels in an ICE_CANDIDATE payload; null for end-of-candidates. */
export function toCandidateInit(candidate: RTCIceCandidate | undefined): CandidateInit | null {
  if (!candidate?.candidate) return null;
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
  };
}
