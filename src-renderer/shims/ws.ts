/**
 * Stands in for Node's `ws` in the renderer bundle (vite.config.ts aliases it here). The KVS
 * SignalingClient only falls back to it when there is no global WebSocket, which Chromium always has.
 */
export {};
