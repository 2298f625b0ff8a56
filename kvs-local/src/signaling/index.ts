/** The WebSocket signaling plane and GetIceServerConfig of kvs-local (kvs-reference.md §2, §4). */
export { SignalingBroker, SIGNALING_CLOSE, type SendOutcome } from './broker';
export {
  buildIceServerConfig,
  getIceServerConfig,
  parseIceServerConfigRequest,
  type IceServer,
  type IceServerConfigOptions,
  type IceServerConfigRequest,
  type IceServerConfigResponse,
} from './iceConfig';
export { decodePayload, encodePayload } from './frames';
export type {
  BrokerMessageEvent,
  ConnectionInfo,
  ServerMessageType,
  SignalingAction,
  SignalingBrokerEvents,
  SignalingBrokerOptions,
  SignalingRole,
  StorageInboundMessage,
  StorageRouteResult,
  StorageRouter,
  UpgradeRejectedEvent,
} from './types';
