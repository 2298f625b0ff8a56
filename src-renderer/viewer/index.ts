/**
 * The viewer session as the UI uses it: `createViewerSession(api, {tileId, channelArn})` wires the
 * official SignalingClient, browser RTCPeerConnections and the real clock; `attachFrameProbe` feeds a
 * tile's <video> back into its session. Tests build sessions over fakes with `createSession` instead.
 */
import { browserPeerFactory } from './browserPeer';
import type { Clock, Logger, ViewerApi, ViewerDeps } from './ports';
import { sdkSignalingFactory } from './sdkSignaling';
import { createSession } from './session';
import type { ViewerSession } from './types';

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const consoleLogger: Logger = {
  debug: (message, data) => console.debug(`[viewer] ${message}`, data ?? ''),
  info: (message, data) => console.info(`[viewer] ${message}`, data ?? ''),
  warn: (message, data) => console.warn(`[viewer] ${message}`, data ?? ''),
};

export function createViewerSession(
  api: ViewerApi,
  tile: { tileId: string; channelArn: string },
  overrides: Partial<ViewerDeps> = {},
): ViewerSession {
  const log = overrides.log ?? consoleLogger;
  return createSession(tile, {
    api,
    signaling: sdkSignalingFactory(log),
    peer: browserPeerFactory(),
    clock: realClock,
    random: Math.random,
    log,
    ...overrides,
  });
}

export { attachFrameProbe, PROBE_SAMPLE_INTERVAL_MS } from './frameProbe';
export { createSession } from './session';
export type { ViewerApi, ViewerDeps } from './ports';
export type * from './types';
