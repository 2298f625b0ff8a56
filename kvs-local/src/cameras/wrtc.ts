/**
 * `@roamhq/wrtc` with the Node-only types of ./wrtcTypes. Import `wrtc` from here, never from the
 * package: its own declarations need the DOM library (see wrtcTypes.ts).
 */
import wrtcPackage from '@roamhq/wrtc';
import type { WrtcModule } from './wrtcTypes';

/** The native WebRTC module (libwebrtc M106), loaded once per process. */
export const wrtc = wrtcPackage as unknown as WrtcModule;
