/**
 * Simulated cameras' media: the moving test picture with its frame stamp, a tone, and a meter of the
 * talk-back each viewer sends. The signaling side (answering offers relayed by the broker, trickling
 * candidates) calls {@link CameraMedia.createViewerPeer} and the returned {@link ViewerPeer}.
 */
export { CameraMedia } from './wrtcMedia';
export type { CameraMediaOptions, CameraMediaStats } from './wrtcMedia';
export { ViewerPeer } from './viewerPeer';
export type { ViewerCloseReason, ViewerLevel, ViewerPeerEvents } from './viewerPeer';
export { wrtc } from './wrtc';
export type * from './wrtcTypes';
