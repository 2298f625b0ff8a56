/** The kvs module (design.md "src-main/core/kvs"): SDK clients, presigner, endpoint + ICE caches, pacing, storage. */
export { KvsService, DEFAULT_KVS_OPTIONS, type KvsServiceDeps, type KvsServiceOptions } from './kvsService';
export { KvsChannelSource, toRemoteChannel, LIST_PAGE_SIZE } from './channelSource';
export { SdkClientFactory, type KvsClientFactory } from './clients';
export { ClientIds, clientIdFor } from './clientIds';
export { systemClock, type Clock } from './clock';
export { toIpcFailure, isMaxViewersMessage, isTransient, type ErrorContext } from './errors';
export { MemoryExpiringCache } from './memoryCache';
export { ConnectPacer, AsyncSemaphore, DEFAULT_PACER, type PacerOptions } from './pacer';
export { stunUrl, toRtcIceServers, type RtcIceServer } from './ice';
export { CONTROL_RETRY, STORAGE_RETRY, SYNC_RETRY, type RetryPolicy } from './retry';
