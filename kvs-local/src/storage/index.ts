/**
 * kvs-local storage sessions (kvs-reference §6): the media server a JoinStorageSession* call
 * attaches to, the recorder that stores a master's H.264, and werift participants (an H.264
 * producing device and a viewer) for tests and benchmarks.
 */
export { StorageSession } from './mediaSession';
export type {
  LeaveReason,
  MediaSink,
  StorageParticipant,
  StorageSessionEvents,
  StorageSessionOptions,
} from './mediaSession';
export type { CandidateInit, PeerState, StorageSignal } from './sessionPeer';
export { BAD_ANSWER_MESSAGE, MAX_VIEWERS_MESSAGE, StorageSessionError } from './errors';
export type { AnswerResult, StorageErrorType } from './errors';
export { openRecorder, StreamRecorder } from './recorder';
export type { FragmentInfo, RecorderOptions, RecordingSummary, RecordingTotals } from './recorder';
export { H264Device } from './h264Device';
export type { H264DeviceOptions, H264DeviceStats } from './h264Device';
export { StorageViewer } from './storageViewer';
export type { StorageViewerOptions, StorageViewerStats } from './storageViewer';
export type { I420Picture } from './ffmpegRtp';
export { checkAnswer } from './sdp';
