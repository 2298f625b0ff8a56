/**
 * The contract's keys without the schemas, for the preload (which must not bundle zod or anything else of
 * ours). A unit test asserts these lists equal the keys of `contract` and `events`.
 */
export const INVOKE_CHANNELS = [
  'app:info',
  'profiles:list',
  'profiles:select',
  'profiles:addKeys',
  'profiles:remove',
  'catalog:sync',
  'catalog:cancelSync',
  'catalog:search',
  'catalog:channel',
  'groups:list',
  'groups:save',
  'groups:delete',
  'layouts:list',
  'layouts:save',
  'layouts:delete',
  'layouts:export',
  'layouts:import',
  'settings:get',
  'settings:set',
  'kvs:prepareViewer',
  'kvs:signConnectUrl',
  'kvs:preparePublisher',
  'kvs:signMasterUrl',
  'kvs:connectFailed',
  'storage:describe',
  'storage:update',
  'storage:listStreams',
  'storage:createStream',
  'storage:joinAsViewer',
  'storage:joinAsMaster',
  'audit:talk',
  'audit:publish',
  'audit:list',
] as const;

export const EVENT_CHANNELS = ['catalog:syncProgress', 'credentials:expired', 'catalog:changed'] as const;
