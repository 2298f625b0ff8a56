export {
  EventSink,
  IpcRouter,
  type CallContext,
  type Handlers,
  type RouterOptions,
  type Sender,
} from './router';
