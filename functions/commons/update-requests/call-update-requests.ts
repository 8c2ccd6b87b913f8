import type { CallApi } from '../calling/vocabulary.ts';
import { type CallAction, changeOf } from '../calls/service.ts';
import { type ErrorDescription, publicError } from '../errors.ts';
import {
  CALL_APIS,
  CALL_UPDATE_REQUEST_ACTIONS,
  type CallUpdatedDetail,
  type CallUpdateError,
  type CallUpdateFailedDetail,
  type CallUpdateRequestAction,
  type CallUpdateRequestedEvent,
  type CallUpdateResultBase,
} from '../events/contracts.ts';
import { callSchema } from '../signalwire/schemas.ts';
import { canonicalSid, SID_PATTERN } from '../signalwire/sids.ts';
import type { Call, CallView } from '../signalwire/types.ts';

/**
 * What applying a request came to, as recorded in the idempotency table and replayed for a repeated
 * request. Only final outcomes are recorded (`outcome.ts` decides which).
 */
export type AppliedRequest =
  | {
      kind: 'applied';
      accountSid: string;
      outcome: CallUpdatedDetail['outcome'];
      call: CallView;
      /** The API that owns the call (absent in records written before native calls: those are Compatibility). */
      api?: CallApi;
      /** Set by the idempotency layer when the outcome comes from the table. */
      replayed?: boolean;
    }
  | {
      kind: 'refused';
      accountSid: string | null;
      error: CallUpdateError;
      /** The API that owns the call, once known. */
      api?: CallApi | null;
      replayed?: boolean;
    };

/**
 * The (already validated) request with its call and account SIDs in canonical form, and a terminate's empty
 * `update` (the contract allows `{}` or none) left out: applied before the idempotency layer sees it, so the same
 * request with a SID in upper case and in lower case, or a terminate with and without `update: {}`, is one request.
 */
export const canonicalRequest = (event: CallUpdateRequestedEvent): CallUpdateRequestedEvent => {
  const { update, ...detail } = event.detail;
  const emptyTerminate = detail.action === 'terminate' && Object.keys(update ?? {}).length === 0;
  return {
    ...event,
    detail: {
      ...detail,
      ...(update === undefined || emptyTerminate ? {} : { update }),
      callSid: canonicalSid(detail.callSid),
      ...(detail.accountSid === undefined ? {} : { accountSid: canonicalSid(detail.accountSid) }),
    },
  };
};

/** The action an (already validated) update or terminate request asks for. */
export const actionOf = (event: CallUpdateRequestedEvent): CallAction =>
  event.detail.action === 'terminate'
    ? { kind: 'terminate' }
    : { kind: 'update', update: event.detail.update ?? {} };

/** What a request asks for, as a result event and the audit show it: the update's fields, or `{ dest }`. */
export const requestedChange = (event: CallUpdateRequestedEvent): CallUpdatedDetail['change'] =>
  event.detail.action === 'transfer'
    ? { dest: event.detail.transfer?.dest ?? '' }
    : changeOf(actionOf(event));

/** The error part of "Call Update Failed": the HTTP API's error body without HTTP. */
export const toCallUpdateError = (described: ErrorDescription): CallUpdateError => publicError(described);

/** What a request says about itself, read leniently: an invalid event still gets a useful failure event. */
export interface RequestSummary {
  requestEventId: string;
  requestSource: string;
  correlationId: string | null;
  idempotencyKey: string | null;
  accountSid: string | null;
  callSid: string | null;
  action: CallUpdateRequestAction | null;
  /** The API the request names, when it names a known one. */
  api: CallApi | null;
}

const UUID = new RegExp(SID_PATTERN);
const TOKEN = /^[!-~]{1,128}$/;

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** Only well-formed values are echoed: a failure event must not carry whatever an invalid request held. */
const matching = (value: unknown, pattern: RegExp): string | null =>
  typeof value === 'string' && pattern.test(value) ? value : null;

export const summarizeRequest = (event: unknown): RequestSummary => {
  const envelope = record(event);
  const detail = record(envelope.detail);
  const action = detail.action;
  return {
    // Cut like everything else a failure event echoes: an event's id and source are whatever its sender wrote.
    requestEventId: typeof envelope.id === 'string' ? envelope.id.slice(0, 256) : '',
    requestSource: typeof envelope.source === 'string' ? envelope.source.slice(0, 256) : '',
    correlationId: matching(detail.correlationId, TOKEN),
    idempotencyKey: matching(detail.idempotencyKey, TOKEN),
    accountSid: matching(detail.accountSid, UUID),
    callSid: matching(detail.callSid, UUID),
    action: (CALL_UPDATE_REQUEST_ACTIONS as readonly unknown[]).includes(action)
      ? (action as CallUpdateRequestAction)
      : null,
    api: (CALL_APIS as readonly unknown[]).includes(detail.api) ? (detail.api as CallApi) : null,
  };
};

const resultBase = (summary: RequestSummary, replayed: boolean): CallUpdateResultBase => ({
  requestEventId: summary.requestEventId,
  requestSource: summary.requestSource,
  correlationId: summary.correlationId,
  idempotencyKey: summary.idempotencyKey,
  replayed,
});

/** "Call Updated" for an applied request. */
export const callUpdatedDetail = (
  event: CallUpdateRequestedEvent,
  applied: Extract<AppliedRequest, { kind: 'applied' }>,
): CallUpdatedDetail => ({
  ...resultBase(summarizeRequest(event), applied.replayed === true),
  accountSid: applied.accountSid,
  callSid: event.detail.callSid,
  action: event.detail.action,
  // A record from before native calls has no `api`: only Compatibility calls were reached then.
  api: applied.api ?? event.detail.api ?? 'compatibility',
  change: requestedChange(event),
  outcome: applied.outcome,
  call: boundedCall(applied.call),
});

/** Longest string a "Call Updated" keeps of a Call field (SignalWire's own are far shorter). */
export const MAX_CALL_FIELD_CHARS = 2_048;
/** Bytes of JSON a "Call Updated" spends on the Call at most (a real Call takes about 2 KiB). */
export const MAX_CALL_JSON_BYTES = 32 * 1024;
const MAX_CALL_DEPTH = 4;

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null');

/**
 * The Call within a byte budget, so the event always fits EventBridge's 256 KiB whatever SignalWire (or a
 * gateway) answered: SignalWire's documented fields first, then any others; strings cut to
 * `MAX_CALL_FIELD_CHARS`; at most `MAX_CALL_DEPTH` levels; once the budget is spent, further fields are left out.
 */
const boundedCall = (call: CallView): CallView => {
  let budget = MAX_CALL_JSON_BYTES;
  const bound = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      let kept = value.slice(0, MAX_CALL_FIELD_CHARS);
      while (kept.length > 0 && jsonBytes(kept) > budget) kept = kept.slice(0, Math.floor(kept.length / 2));
      const result = kept.length < value.length ? `${kept}…` : value;
      budget -= jsonBytes(result);
      return result;
    }
    if (typeof value !== 'object' || value === null) {
      budget -= jsonBytes(value);
      return value;
    }
    if (depth >= MAX_CALL_DEPTH) return null;
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((item, index) => [String(index), item])
      : Object.entries(value);
    if (depth === 0) {
      const documented = (name: string) => (Object.hasOwn(callSchema.properties, name) ? 0 : 1);
      entries.sort(([a], [b]) => documented(a) - documented(b));
    }
    const kept: Array<[string, unknown]> = [];
    for (const [key, inner] of entries) {
      const cost = jsonBytes(key) + 2;
      if (budget - cost <= 0) break;
      budget -= cost;
      kept.push([key, bound(inner, depth + 1)]);
    }
    return Array.isArray(value) ? kept.map(([, inner]) => inner) : Object.fromEntries(kept);
  };
  return bound(call, 0) as Call;
};

/** "Call Update Failed" for any request, valid or not. */
export const callUpdateFailedDetail = (
  event: unknown,
  error: CallUpdateError,
  options: { final: boolean; accountSid?: string | null; api?: CallApi | null; replayed?: boolean },
): CallUpdateFailedDetail => {
  const summary = summarizeRequest(event);
  return {
    ...resultBase(summary, options.replayed === true),
    accountSid: options.accountSid ?? summary.accountSid,
    callSid: summary.callSid,
    action: summary.action,
    api: options.api ?? summary.api,
    final: options.final,
    error,
  };
};
