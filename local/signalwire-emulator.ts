/** The SignalWire emulator (local/signalwire/): calls and state, listing and paging, server and faults. */
export type {
  CallbackSettings,
  Fault,
  RateLimit,
  RecordedRequest,
  Redirect,
  SeedCall,
  SignalWireEmulatorOptions,
} from './signalwire/calls.ts';
export type { NativeCalls, NativeRedirect, SeedNativeCall } from './signalwire/native.ts';
export { SignalWireEmulator } from './signalwire/server.ts';
