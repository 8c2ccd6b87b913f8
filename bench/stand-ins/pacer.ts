/**
 * Bench only, never shipped: functions/commons/cleanup/pacer.ts with the pacer released, for the cleanup CPU
 * context row (bench/cleanup-unpaced.ts): every start is served at once, so the cleanup sends an end the moment a worker
 * is free, as the bare pool does. `pause` is the real one (the throttled pass still waits as deployed).
 */
export { pause } from '../../functions/commons/cleanup/pacer.ts';

const SERVED: Promise<void> = Promise.resolve();

/** Takes the real Pacer's constructor arguments (interval, clock) and ignores them. */
export class Pacer {
  wait(_signal: AbortSignal): Promise<void> {
    return SERVED;
  }
}
