/**
 * The event function's own check of the settings the construct cross-checks at synth time: given as deploy-time
 * tokens (parameters), the synth cannot compare them, so the function refuses an unsafe pair at cold start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCallUpdateEventsConfig } from '#commons/events/config';
import { shortestIdempotencyTtl } from '#commons/platform/freshness';
import { ENV, EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS } from '#commons/platform/settings';

const base = {
  [ENV.eventBusName]: 'call-control',
  [ENV.idempotencyTableName]: 'idempotency',
  [ENV.allowedEventSources]: 'com.example.crm',
};
const touched = [
  ...Object.keys(base),
  ENV.signalWireTimeoutMs,
  ENV.idempotencyTtlSeconds,
  ENV.maxEventAgeSeconds,
];
let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
  for (const name of touched) delete process.env[name];
  Object.assign(process.env, base);
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('the call-update-events function’s settings at cold start', () => {
  it('takes a SignalWire timeout whose three requests fit in its timeout, and the defaults', () => {
    process.env[ENV.signalWireTimeoutMs] = String(EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS);

    expect(readCallUpdateEventsConfig().idempotencyTtlSeconds).toBe(86_400);
  });

  it('refuses a SignalWire timeout in its range but too long for a redirect, naming the variable', () => {
    process.env[ENV.signalWireTimeoutMs] = '20000';

    expect(() => readCallUpdateEventsConfig()).toThrow(
      new RegExp(
        `^environment variable SIGNALWIRE_TIMEOUT_MS must be at most ${EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS} for this function, got "20000"`,
      ),
    );
  });

  it.each([
    ['shorter than the maximum event age', '600'],
    ['equal to the maximum event age (EventBridge and Lambda each retry for up to it)', '3600'],
    ['one second under the shortest the construct accepts', '7799'],
  ])('refuses an idempotency window %s, naming both variables and the shortest it takes', (_, ttl) => {
    process.env[ENV.idempotencyTtlSeconds] = ttl;
    process.env[ENV.maxEventAgeSeconds] = '3600';

    expect(() => readCallUpdateEventsConfig()).toThrow(
      new RegExp(
        `^environment variable IDEMPOTENCY_TTL_SECONDS must be at least 7800 with CALL_UPDATE_MAX_EVENT_AGE_SECONDS 3600, got "${ttl}"`,
      ),
    );
  });

  it('takes the shortest idempotency window the construct accepts for the maximum event age', () => {
    process.env[ENV.idempotencyTtlSeconds] = String(shortestIdempotencyTtl(3600));
    process.env[ENV.maxEventAgeSeconds] = '3600';

    expect(readCallUpdateEventsConfig().idempotencyTtlSeconds).toBe(7800);
  });
});
