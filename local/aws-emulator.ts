/**
 * The local AWS stand-in, one module per service in `local/aws/`: `server.ts` (the listener and the protocol
 * dispatch), `secrets-manager.ts`, `eventbridge.ts`, `cloudformation.ts`, `lambda.ts`, `logs.ts`, `sts.ts`.
 * This entry keeps the stand-in's public API in one place for tests, the local stack and the benchmark.
 */
export type { LocalStackResource } from './aws/cloudformation.ts';
export type {
  EventBridgeEnvelope,
  LocalRule,
  PublishedEvent,
  PutEventsEntry,
  UndeliverableEvent,
} from './aws/eventbridge.ts';
export { MAX_DETAIL_DEPTH, MAX_PUT_EVENTS_BYTES } from './aws/eventbridge.ts';
export type { LocalFunction } from './aws/lambda.ts';
export type { SecretsManagerFault } from './aws/secrets-manager.ts';
export type { LocalAwsOptions } from './aws/server.ts';
export { LocalAws } from './aws/server.ts';
