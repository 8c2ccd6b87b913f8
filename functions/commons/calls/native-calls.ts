/**
 * The call service over both kinds of call: Compatibility calls (today's path, `service.ts`) and native ones
 * (SWML, RELAY, Calling API `dial`, Call Fabric, AI agents), changed through the native Calling API.
 *
 * Which API owns a call (the rule, documented in the README's "two kinds of call"):
 * 1. the API the request names (`api`), if it names one (a wrong one is CALL_NOT_FOUND);
 * 2. otherwise a change (update, terminate) is sent to the Compatibility API first ("write-first"), and its
 *    answer decides: a success or any failure but a 404 is the outcome, as for a Compatibility call. A change
 *    with a field only the Compatibility API takes (`Method`, `FallbackMethod`, `StatusCallback`,
 *    `StatusCallbackMethod`) is the exception: the Compatibility read decides first, so that a native call's
 *    refused change is written to neither API;
 * 3. a Compatibility 404 ("call not found": the change was applied nowhere) goes on to the native Calling API
 *    if the call's voice log says `realtime_api`; a field that API lacks is then refused by name, unsent;
 * 4. otherwise the call is CALL_NOT_FOUND.
 * So a change is applied by one API at most: the native API is only asked after the Compatibility API has
 * definitely refused. A transfer (native only) is resolved by the call's voice log alone, falling back to the
 * Compatibility read when there is none; a read (GET) is the Compatibility read first, then the voice log.
 */
import { COMPATIBILITY_SOURCES, ENDED_CALL_REFUSAL_STATUSES } from '../calling/assumptions.ts';
import type { UpdateParams, VoiceLog } from '../calling/types.ts';
import { type CallApi, isLiveNativeStatus, nativeCallView, nativeStatusOf } from '../calling/vocabulary.ts';
import {
  describeError,
  type FieldViolation,
  isCallNotFound,
  RequestValidationError,
  SignalWireError,
} from '../errors.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { CallUpdate, CallView } from '../signalwire/types.ts';
import type { AuditLog } from './audit.ts';
import { type BothListFrom, type BothListPage, listOverBoth } from './list-both.ts';
import { isNativeSource, type NativeAccess, readOverBoth } from './native-read.ts';
import { cancelConflict, endedCallRefusal, idMismatch } from './native-refusals.ts';
import type { NativeCallsApi, ProjectCallsApi, RequestOptions } from './port.ts';
import {
  auditOutcome,
  type CallAction,
  type CallCommand,
  type CallOutcome,
  type CallQuery,
  type CallService,
  changeOf,
} from './service.ts';

export type { NativeAccess };

/** Compatibility fields the native Calling API has no counterpart for. */
export const COMPATIBILITY_ONLY_FIELDS = [
  'Method',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
] as const satisfies readonly (keyof CallUpdate)[];

/** What a native call is sent for a Compatibility-worded change. */
export type NativeChange =
  | { kind: 'end'; reason: 'hangup' | 'cancel' }
  | { kind: 'update'; params: Omit<UpdateParams, 'id'> };

const refuse = (violations: FieldViolation[]): never => {
  throw new RequestValidationError(violations);
};

/**
 * A change in the Compatibility words as the native Calling API takes it: `Url` (+ `FallbackUrl`) a redirect
 * (`update` with `url`), `Status` alone an end (`calling.end`: `canceled` cancels a call not yet connected).
 * Every field the native API lacks is refused by name, before anything is sent.
 */
export const nativeChangeOf = (action: CallAction): NativeChange => {
  // A terminate is the end its Status says: the same rules, one path.
  const update = changeOf(action);
  // Every field the native API cannot take, in one refusal: a caller fixes them all in one round trip.
  const violations: FieldViolation[] = COMPATIBILITY_ONLY_FIELDS.filter(
    (field) => update[field] !== undefined,
  ).map((field) => ({
    field,
    rule: 'api',
    message: `${field} is a Compatibility API field; the native Calling API, which owns this call, has none`,
  }));
  if (update.Url === undefined && update.FallbackUrl !== undefined) {
    violations.push({
      field: 'FallbackUrl',
      rule: 'api',
      message: 'FallbackUrl needs Url for a native call (the Calling API sets it with a redirect only)',
    });
  }
  if (violations.length > 0) refuse(violations);
  if (update.Url === undefined) {
    if (update.Status === undefined) {
      refuse([{ field: 'Url', rule: 'required', message: 'a native call is changed with Url or Status' }]);
    }
    return { kind: 'end', reason: update.Status === 'canceled' ? 'cancel' : 'hangup' };
  }
  return {
    kind: 'update',
    params: {
      url: update.Url,
      ...(update.FallbackUrl === undefined ? {} : { fallback_url: update.FallbackUrl }),
      ...(update.Status === undefined ? {} : { status: update.Status }),
    },
  };
};

/**
 * The rule of the module comment, step 3: after the Compatibility API's 404 (`notFound`), the call is native
 * only if its voice log says so; otherwise that 404 stands (CALL_NOT_FOUND). Reads only; answers the voice log
 * read, so that the same request need not read it again (`applyToNativeCall`'s `voiceLog`).
 */
export const confirmNative = async (
  native: NativeCallsApi,
  callSid: string,
  notFound: SignalWireError,
  options: RequestOptions = {},
): Promise<VoiceLog> => {
  const log = await native.getVoiceLog(callSid, options).catch((error: unknown) => {
    // Neither API knows the call: the Compatibility API's 404 says so.
    throw isCallNotFound(error) ? notFound : error;
  });
  if (!isNativeSource(log.source)) throw notFound;
  return log;
};

/**
 * Applies one action to a native call: an end is idempotent (a refusal because the call has ended, confirmed
 * by its voice log, is `already-ended`), a redirect is sent at most once (the adapter's guarantee).
 *
 * `voiceLog` is the call's voice log as this request has just read it (the owner's confirmation): the check
 * before a cancel takes it instead of reading it again. The read after a refused end is never taken from it:
 * that one must see the call after the refusal.
 */
export const applyToNativeCall = async (
  api: NativeCallsApi,
  command: Pick<CallCommand, 'callSid' | 'action' | 'signal'>,
  voiceLog?: VoiceLog,
): Promise<CallOutcome> => {
  const callSid = canonicalSid(command.callSid);
  const accountSid = api.projectId;
  const options = { signal: command.signal };
  try {
    const change = nativeChangeOf(command.action);
    if (change.kind === 'update') {
      try {
        const call = nativeCallView(await api.updateCall(callSid, change.params, options), accountSid);
        return { ok: true, accountSid, callSid, call, outcome: 'updated', api: 'calling' };
      } catch (error) {
        const ended = await endedCallRefusal(api, callSid, error, options);
        if (ended) return { ok: false, accountSid, callSid, error: ended, cause: error, api: 'calling' };
        throw error;
      }
    }
    if (command.action.kind === 'update' && change.reason === 'cancel') {
      const conflict = await cancelConflict(api, callSid, options, voiceLog);
      if (conflict)
        return { ok: false, accountSid, callSid, error: conflict, cause: undefined, api: 'calling' };
    }
    try {
      const call = nativeCallView(await api.endCall(callSid, change.reason, options), accountSid);
      return { ok: true, accountSid, callSid, call, outcome: 'updated', api: 'calling' };
    } catch (error) {
      if (!(error instanceof SignalWireError) || !ENDED_CALL_REFUSAL_STATUSES.includes(error.status))
        throw error;
      const log = await api.getVoiceLog(callSid, options);
      // A Compatibility call's log (a request that named the wrong API) is not this call ending: not found.
      if (!isNativeSource(log.source)) throw error;
      if (isLiveNativeStatus(log.status)) throw error.status === 404 ? idMismatch(log.status) : error;
      // A log of unknown status does not show the call ended: the refusal stands, never `already-ended`.
      if (nativeStatusOf(log.status) === null) throw error;
      return {
        ok: true,
        accountSid,
        callSid,
        call: nativeCallView(log, accountSid),
        outcome: 'already-ended',
        api: 'calling',
      };
    }
  } catch (error) {
    const redirect = command.action.kind === 'update' && command.action.update.Url !== undefined;
    return {
      ok: false,
      accountSid,
      callSid,
      error: describeError(error, { redirect }),
      cause: error,
      api: 'calling',
    };
  }
};

/** Whether a change names a field the native Calling API lacks (`Method`, `StatusCallback`, ...). */
const carriesCompatibilityOnlyField = (action: CallAction): boolean =>
  action.kind === 'update' && COMPATIBILITY_ONLY_FIELDS.some((field) => action.update[field] !== undefined);

/** A command that may name the API owning its call. */
export type ApiCommand = CallCommand & { api?: CallApi };

/** A transfer of a call to a SIP URI, phone number or SWML URL (`calling.transfer`). */
export type TransferCommand = Omit<ApiCommand, 'action'> & { dest: string };

/** A listing over both APIs (`list-both.ts`): from the filters (both kinds unless `apis` narrows) or a position. */
export type BothListQuery = CallQuery & { from: BothListFrom };

/**
 * The call service over both APIs, with the change only the native API has: a transfer. Its `list` still takes
 * the Compatibility service's query (a List Calls filter or `next_page_uri`: Compatibility calls only, as
 * before); given `{ filter, apis? }` or `{ position }` it lists both kinds.
 */
export type NativeAwareCallService = CallService & {
  apply(command: ApiCommand): Promise<CallOutcome>;
  /** Transfers a native call (sent at most once); a Compatibility call's transfer is refused by name. */
  transfer(command: TransferCommand): Promise<CallOutcome>;
  get(query: CallQuery & { callSid: string; api?: CallApi }): Promise<CallView>;
  list(query: BothListQuery): Promise<BothListPage>;
};

const isBothListQuery = (query: object): query is BothListQuery => {
  const { from } = query as { from?: object };
  return from !== undefined && ('filter' in from || 'position' in from);
};

interface Deps {
  access: { forAccount(accountSid?: string): Promise<ProjectCallsApi> } & NativeAccess;
  log: AuditLog;
}

/**
 * Which API owns a call to transfer, when the request does not name one: its voice log alone (the voice logs
 * hold both kinds, `voice-logs-hold-both-kinds` in `calling/assumptions.ts`): a native source is the Calling
 * API's, a `laml` one the Compatibility API's. With no voice log (or another source), today's Compatibility
 * read tells a Compatibility call from none (a 404: CALL_NOT_FOUND). Reads only.
 */
const transferOwner = async (
  access: Deps['access'],
  native: NativeCallsApi,
  project: string | undefined,
  callSid: string,
  signal?: AbortSignal,
): Promise<CallApi> => {
  const log = await native.getVoiceLog(callSid, { signal }).catch((error: unknown) => {
    if (isCallNotFound(error)) return undefined;
    throw error;
  });
  if (log !== undefined && isNativeSource(log.source)) return 'calling';
  if (log !== undefined && (COMPATIBILITY_SOURCES as readonly string[]).includes(log.source)) {
    return 'compatibility';
  }
  await (await access.forAccount(project)).getCall(callSid, { signal });
  return 'compatibility';
};

/** The service's transfer: the owner named or read from the voice log, a Compatibility call refused by name. */
const transferOverBoth = async (deps: Deps, command: TransferCommand): Promise<CallOutcome> => {
  const { access, log } = deps;
  const project = command.project === undefined ? undefined : canonicalSid(command.project);
  const callSid = canonicalSid(command.callSid);
  // The audit record's change says what was asked: a transfer and where to.
  const audited = { ...command, action: { kind: 'update' as const, update: {} } };
  let outcome: CallOutcome;
  let owner: CallApi | undefined = command.api;
  // The project the secret resolved, once it did: a refusal names it, so that its idempotency record says for
  // which project it was decided (the default one may change).
  let native: NativeCallsApi | undefined;
  try {
    if (owner === undefined) {
      native = await access.nativeFor(project);
      owner = await transferOwner(access, native, project, callSid, command.signal);
    }
    if (owner === 'compatibility') {
      refuse([
        {
          field: 'transfer',
          rule: 'api',
          message:
            'transfer is a native Calling API command; the Compatibility API, which owns this call, has none',
        },
      ]);
    }
    native ??= await access.nativeFor(project);
    const options = { signal: command.signal };
    try {
      const call = await native.transferCall(callSid, command.dest, options);
      outcome = {
        ok: true,
        accountSid: native.projectId,
        callSid,
        call: nativeCallView(call, native.projectId),
        outcome: 'updated',
        api: 'calling',
      };
    } catch (error) {
      const ended = await endedCallRefusal(native, callSid, error, options);
      if (!ended) throw error;
      outcome = {
        ok: false,
        accountSid: native.projectId,
        callSid,
        error: ended,
        cause: error,
        api: 'calling',
      };
    }
  } catch (error) {
    outcome = {
      ok: false,
      accountSid: native?.projectId ?? project ?? null,
      callSid,
      error: describeError(error, { redirect: true }),
      cause: error,
      ...(owner ? { api: owner } : {}),
    };
  }
  auditOutcome(log, audited, outcome, { change: { Transfer: command.dest } });
  return outcome;
};

/**
 * The call service over both APIs: the Compatibility service for Compatibility calls, the native path for
 * native ones, chosen by the rule of the module comment. Every native outcome is audited once, here.
 */
export const withNativeCalls = (
  compatibility: CallService,
  access: { forAccount(accountSid?: string): Promise<ProjectCallsApi> } & NativeAccess,
  log: AuditLog,
): NativeAwareCallService => {
  /**
   * A change for the native API, audited once: `notFound` (the Compatibility API's 404 to a change that named
   * no API) is first confirmed by the voice log (steps 3 and 4); a named `api: 'calling'` skips that.
   */
  const applyNatively = async (command: ApiCommand, notFound?: SignalWireError): Promise<CallOutcome> => {
    const project = command.project === undefined ? undefined : canonicalSid(command.project);
    const callSid = canonicalSid(command.callSid);
    let outcome: CallOutcome;
    let native: NativeCallsApi | undefined;
    try {
      native = await access.nativeFor(project);
      const log = notFound
        ? await confirmNative(native, callSid, notFound, { signal: command.signal })
        : undefined;
      outcome = await applyToNativeCall(native, command, log);
    } catch (error) {
      // Neither API knows the call, or the voice log could not be read: nothing was applied anywhere. The
      // project is the one the secret resolved (the default one, when none was named), once it did.
      outcome = {
        ok: false,
        accountSid: native?.projectId ?? (notFound ? (project ?? null) : null),
        callSid,
        error: describeError(error, { redirect: false }),
        cause: error,
        ...(notFound ? {} : { api: 'calling' as const }),
      };
    }
    auditOutcome(log, command, outcome);
    return outcome;
  };

  /**
   * A change with a field only the Compatibility API takes (step 2's exception): a field a native call would
   * refuse is never written anywhere, so the Compatibility read decides first; on its 404 the voice log, and a
   * native call's change is refused by name with nothing written to either API.
   */
  const readFirst = async (command: ApiCommand): Promise<CallOutcome> => {
    const project = command.project === undefined ? undefined : canonicalSid(command.project);
    const callSid = canonicalSid(command.callSid);
    // The Compatibility service's read, with the project the secret resolved kept for a refusal to name.
    let resolved: string | undefined;
    try {
      const api = await access.forAccount(project);
      resolved = api.projectId;
      await api.getCall(callSid, { signal: command.signal });
    } catch (error) {
      if (isCallNotFound(error)) return applyNatively(command, error);
      const outcome: CallOutcome = {
        ok: false,
        accountSid: resolved ?? project ?? null,
        callSid,
        error: describeError(error, { redirect: false }),
        cause: error,
      };
      auditOutcome(log, command, outcome);
      return outcome;
    }
    return { ...(await compatibility.apply(command)), api: 'compatibility' };
  };

  return {
    ...compatibility,
    async apply(command: ApiCommand) {
      if (command.api === 'calling') return applyNatively(command);
      if (command.api === 'compatibility') {
        return { ...(await compatibility.apply(command)), api: 'compatibility' };
      }
      if (carriesCompatibilityOnlyField(command.action)) return readFirst(command);
      // Write-first: the Compatibility API's answer decides; only its 404 (nothing applied) goes on.
      const first = await compatibility.applyUnlessNotFound(command);
      if ('notFound' in first) return applyNatively(command, first.notFound);
      return { ...first, api: 'compatibility' };
    },

    transfer: (command: TransferCommand) => transferOverBoth({ access, log }, command),
    get: (query: CallQuery & { callSid: string; api?: CallApi }) =>
      readOverBoth(compatibility, access, query),
    // One function for both signatures (TypeScript reads the intersection as overloads): the query's shape
    // tells them apart.
    list: ((query: Parameters<CallService['list']>[0] | BothListQuery) =>
      isBothListQuery(query)
        ? listOverBoth(
            {
              compatibility: () => access.forAccount(query.project),
              native: () => access.nativeFor(query.project),
            },
            query.from,
            { signal: query.signal },
          )
        : compatibility.list(query)) as NativeAwareCallService['list'],
  };
};
