import { readInteger, readRequired } from '../config.ts';
import { DEFAULT_EVENT_SOURCE } from './contracts.ts';

/** Where the functions publish. */
export interface EventsConfig {
  /** Name or ARN of the bus every result and status event goes to. */
  eventBusName: string;
  /** `source` of the published events. */
  eventSource: string;
}

export const readEventsConfig = (): EventsConfig => ({
  eventBusName: readRequired('EVENT_BUS_NAME'),
  eventSource: process.env.EVENT_SOURCE?.trim() || DEFAULT_EVENT_SOURCE,
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

export const readCallUpdateEventsConfig = (): CallUpdateEventsConfig => ({
  ...readEventsConfig(),
  idempotencyTableName: readRequired('IDEMPOTENCY_TABLE_NAME'),
  allowedEventSources: sourceList('ALLOWED_EVENT_SOURCES'),
  // A day covers EventBridge's and Lambda's retry windows (at most 24 h and 6 h).
  idempotencyTtlSeconds: readInteger('IDEMPOTENCY_TTL_SECONDS', 86_400, 60, 30 * 86_400),
});

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
  publicBaseUrl: baseUrl('PUBLIC_BASE_URL'),
  idempotencyTableName: readRequired('IDEMPOTENCY_TABLE_NAME'),
  // A day by default: covers SignalWire's own resends; a longer window costs only table items.
  replayWindowSeconds: readInteger('STATUS_CALLBACK_REPLAY_WINDOW_SECONDS', 86_400, 60, 30 * 86_400),
});
