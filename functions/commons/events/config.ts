import { readInteger, readRequired } from '../platform/config.ts';
import { shortestIdempotencyTtl } from '../platform/freshness.ts';
import {
  ENV,
  EVENTS_FUNCTION_TIMEOUT_SECONDS,
  EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS,
  MAX_EVENT_AGE_SECONDS,
  REMEMBERED_SECONDS,
  SIGNALWIRE_TIMEOUT_MS,
} from '../platform/settings.ts';
import { DEFAULT_EVENT_SOURCE } from './contracts.ts';

/** Where the functions publish. */
export interface EventsConfig {
  /** Name or ARN of the bus every result and status event goes to. */
  eventBusName: string;
  /** `source` of the published events. */
  eventSource: string;
}

export const readEventsConfig = (): EventsConfig => ({
  eventBusName: readRequired(ENV.eventBusName),
  eventSource: process.env[ENV.eventSource]?.trim() || DEFAULT_EVENT_SOURCE,
});

/** Settings of the function that applies "Call Update Requested" events. */
export interface CallUpdateEventsConfig extends EventsConfig {
  /** DynamoDB table of Powertools Idempotency (key `id`, TTL attribute `expiration`). */
  idempotencyTableName: string;
  /** Sources whose requests are applied; the rule filters on them too, the function checks again. */
  allowedEventSources: readonly string[];
  /** How long a handled request is remembered (redeliveries and repeated idempotency keys). */
  idempotencyTtlSeconds: number;
}

const sourceList = (name: string): string[] => {
  const sources = readRequired(name)
    .split(',')
    .map((source) => source.trim())
    .filter((source) => source !== '');
  if (sources.length === 0) throw new Error(`environment variable ${name} must list at least one source`);
  return sources;
};

/**
 * The construct refuses these combinations at synth time when it knows both values; given as deploy-time tokens
 * (parameters), only the function can, so it refuses them at cold start rather than run unsafely: a redirect
 * cut by the function's own timeout (its outcome unknown although SignalWire was merely slow), or retries of an
 * event arriving after its idempotency record is gone (refused as too old, or applied twice).
 */
const checkCrossSettings = (idempotencyTtlSeconds: number): void => {
  const timeoutMs = readInteger(ENV.signalWireTimeoutMs, SIGNALWIRE_TIMEOUT_MS);
  if (timeoutMs > EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS) {
    throw new Error(
      `environment variable ${ENV.signalWireTimeoutMs} must be at most ${EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS} for ` +
        `this function, got "${timeoutMs}": a redirect may take 3 requests, more than its ` +
        `${EVENTS_FUNCTION_TIMEOUT_SECONDS} s timeout`,
    );
  }
  const maxEventAgeSeconds = readInteger(ENV.maxEventAgeSeconds, MAX_EVENT_AGE_SECONDS);
  const shortest = shortestIdempotencyTtl(maxEventAgeSeconds);
  if (idempotencyTtlSeconds < shortest) {
    throw new Error(
      `environment variable ${ENV.idempotencyTtlSeconds} must be at least ${shortest} with ` +
        `${ENV.maxEventAgeSeconds} ${maxEventAgeSeconds}, got "${idempotencyTtlSeconds}": EventBridge and then ` +
        'Lambda each retry an event for up to the maximum event age, and an event older than the window less ' +
        'twice the clock tolerance is refused with EVENT_TOO_OLD',
    );
  }
};

export const readCallUpdateEventsConfig = (): CallUpdateEventsConfig => {
  // A day covers EventBridge's and Lambda's retry windows (at most 24 h and 6 h).
  const idempotencyTtlSeconds = readInteger(ENV.idempotencyTtlSeconds, REMEMBERED_SECONDS);
  checkCrossSettings(idempotencyTtlSeconds);
  return {
    ...readEventsConfig(),
    idempotencyTableName: readRequired(ENV.idempotencyTableName),
    allowedEventSources: sourceList(ENV.allowedEventSources),
    idempotencyTtlSeconds,
  };
};

/** Settings of the status-callback function. */
export interface StatusCallbackConfig extends EventsConfig {
  /**
   * Scheme, host and base path SignalWire is configured with (e.g. `https://hooks.example.com/signalwire`);
   * the signed URL is this plus the route path and query string. Unset: built from the request.
   */
  publicBaseUrl: string | undefined;
  /** The idempotency table, where accepted callbacks are remembered. */
  idempotencyTableName: string;
  /** How long an accepted callback is remembered: a replay within it is answered 2xx and not published. */
  replayWindowSeconds: number;
}

const baseUrl = (name: string): string | undefined => {
  const value = process.env[name]?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`environment variable ${name} must be an absolute URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new Error(`environment variable ${name} must be an http(s) URL without query string or fragment`);
  }
  return value.replace(/\/+$/, '');
};

export const readStatusCallbackConfig = (): StatusCallbackConfig => ({
  ...readEventsConfig(),
  publicBaseUrl: baseUrl(ENV.publicBaseUrl),
  idempotencyTableName: readRequired(ENV.idempotencyTableName),
  // A day by default: covers SignalWire's own resends; a longer window costs only table items.
  replayWindowSeconds: readInteger(ENV.replayWindowSeconds, REMEMBERED_SECONDS),
});
