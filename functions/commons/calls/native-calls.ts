/**
 * The call service over both kinds of call: Compatibility calls (today's path, `service.ts`) and native ones
 * (SWML, RELAY, Calling API `dial`, Call Fabric, AI agents), changed through the native Calling API.
 *
 * Which API owns a call (the rule, documented in the README's "two kinds of call"):
 * 1. the API the request names (`api`), if it names one;
 * 2. otherwise the Compatibility API if its Retrieve a Call knows the call;
 * 3. otherwise (a Compatibility 404) the native Calling API if the call's voice log says `realtime_api`;
 * 4. otherwise the call is CALL_NOT_FOUND.
 * Only reads decide; the change is then sent to the one API that owns the call, never to both. A field the
 * owning API lacks is refused by name before anything is sent.
 */
import { ENDED_CALL_REFUSAL_STATUSES, NATIVE_SOURCES } from '../calling/assumptions.ts';
import type { UpdateParams } from '../calling/types.ts';
import { type CallApi, isLiveNativeStatus, nativeCallView } from '../calling/vocabulary.ts';
import { describeError, type FieldViolation, RequestValidationError, SignalWireError } from '../errors.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { Call, CallUpdate } from '../signalwire/types.ts';
import type { AuditLog } from './audit.ts';
import { type BothListFrom, type BothListPage, listOverBoth } from './list-both.ts';
import type { CallsApi, NativeCallsApi, ProjectCallsApi, RequestOptions } from './port.ts';
import {
  auditOutcome,
  type CallAction,
  type CallCommand,
  type CallOutcome,
  type CallQuery,
  type CallService,
} from './service.ts';

/** How the service reaches the native API of a project (`signalwire/access.ts`). */
export interface NativeAccess {
  nativeFor(accountSid?: string): Promise<NativeCallsApi>;
}

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
  if (action.kind === 'terminate') {
    return { kind: 'end', reason: action.status === 'canceled' ? 'cancel' : 'hangup' };
  }
  const { update } = action;
  const lacking = COMPATIBILITY_ONLY_FIELDS.filter((field) => update[field] !== undefined);
  if (lacking.length > 0) {
    refuse(
      lacking.map((field) => ({
        field,
        rule: 'api',
        message: `${field} is a Compatibility API field; the native Calling API, which owns this call, has none`,
      })),
    );
  }
  if (update.Url === undefined) {
    if (update.FallbackUrl !== undefined) {
      refuse([
        {
          field: 'FallbackUrl',
          rule: 'api',
          message: 'FallbackUrl needs Url for a native call (the Calling API sets it with a redirect only)',
        },
      ]);
    }
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

const isNativeSource = (source: string): boolean => (NATIVE_SOURCES as readonly string[]).includes(source);

const isNotFound = (error: unknown): boolean =>
  error instanceof SignalWireError && (error.status === 404 || error.code === 20404);

/** A call the request said the Calling API owns, which it does not: CALL_NOT_FOUND, as SignalWire says it. */
const notOwnedByCallingApi = (): SignalWireError =>
  new SignalWireError(404, {
    code: undefined,
    message: 'The native Calling API has no such call (the voice logs show a Compatibility call)',
    moreInfo: undefined,
  });

/** The rule of the module comment, steps 2 to 4: reads only. */
export const resolveOwner = async (
  compatibility: CallsApi,
  native: NativeCallsApi,
  callSid: string,
  options: RequestOptions = {},
): Promise<CallApi> => {
  try {
    await compatibility.getCall(callSid, options);
    return 'compatibility';
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const log = await native.getVoiceLog(callSid, options).catch((nativeError: unknown) => {
      // Neither API knows the call: the Compatibility API's 404 says so.
      throw isNotFound(nativeError) ? error : nativeError;
    });
    if (!(NATIVE_SOURCES as readonly string[]).includes(log.source)) throw error;
    return 'calling';
  }
};

/**
 * Applies one action to a native call: an end is idempotent (a refusal because the call has ended, confirmed
 * by its voice log, is `already-ended`), a redirect is sent at most once (the adapter's guarantee).
 */
export const applyToNativeCall = async (
  api: NativeCallsApi,
  command: Pick<CallCommand, 'callSid' | 'action' | 'signal'>,
): Promise<CallOutcome> => {
  const callSid = canonicalSid(command.callSid);
  const accountSid = api.projectId;
  const options = { signal: command.signal };
  try {
    const change = nativeChangeOf(command.action);
    if (change.kind === 'update') {
      const call = nativeCallView(await api.updateCall(callSid, change.params, options), accountSid);
      return { ok: true, accountSid, callSid, call, outcome: 'updated', api: 'calling' };
    }
    try {
      const call = nativeCallView(await api.endCall(callSid, change.reason, options), accountSid);
      return { ok: true, accountSid, callSid, call, outcome: 'updated', api: 'calling' };
    } catch (error) {
      if (!(error instanceof SignalWireError) || !ENDED_CALL_REFUSAL_STATUSES.includes(error.status))
        throw error;
      const log = await api.getVoiceLog(callSid, options);
      // A Compatibility call's log (a request that named the wrong API) is not this call ending: not found.
      if (isLiveNativeStatus(log.status) || !isNativeSource(log.source)) throw error;
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
  get(query: CallQuery & { callSid: string; api?: CallApi }): Promise<Call>;
  list(query: BothListQuery): Promise<BothListPage>;
};

const isBothListQuery = (query: object): query is BothListQuery => {
  const { from } = query as { from?: object };
  return from !== undefined && ('filter' in from || 'position' in from);
};

interface Deps {
  ownerOf(
    project: string | undefined,
    callSid: string,
    named: CallApi | undefined,
    signal?: AbortSignal,
  ): Promise<CallApi>;
  access: NativeAccess;
  log: AuditLog;
}

/** The service's transfer: the owner decided as for any change, a Compatibility call refused by name. */
const transferOverBoth = async (deps: Deps, command: TransferCommand): Promise<CallOutcome> => {
  const { access, log } = deps;
  const project = command.project === undefined ? undefined : canonicalSid(command.project);
  const callSid = canonicalSid(command.callSid);
  // The audit record's change says what was asked: a transfer and where to.
  const audited = { ...command, action: { kind: 'update' as const, update: {} } };
  let outcome: CallOutcome;
  let owner: CallApi | undefined;
  try {
    owner = await deps.ownerOf(project, callSid, command.api, command.signal);
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
    const native = await access.nativeFor(project);
    const call = await native.transferCall(callSid, command.dest, { signal: command.signal });
    outcome = {
      ok: true,
      accountSid: native.projectId,
      callSid,
      call: nativeCallView(call, native.projectId),
      outcome: 'updated',
      api: 'calling',
    };
  } catch (error) {
    outcome = {
      ok: false,
      accountSid: project ?? null,
      callSid,
      error: describeError(error, { redirect: true }),
      cause: error,
      ...(owner ? { api: owner } : {}),
    };
  }
  auditOutcome(log, audited, outcome, { change: { Transfer: command.dest } });
  return outcome;
};

/** The service's read: a Compatibility call read once, a native one from its voice log. */
const readOverBoth = async (
  compatibility: CallService,
  access: NativeAccess,
  query: CallQuery & { callSid: string; api?: CallApi },
): Promise<Call> => {
  const callSid = canonicalSid(query.callSid);
  const nativeRead = async () => {
    const native = await access.nativeFor(query.project);
    const log = await native.getVoiceLog(callSid, { signal: query.signal });
    return { native, log };
  };
  if (query.api === 'calling') {
    const { native, log } = await nativeRead();
    // The voice logs list Compatibility calls too: one is not the Calling API's to answer for.
    if (!isNativeSource(log.source)) throw notOwnedByCallingApi();
    return nativeCallView(log, native.projectId);
  }
  try {
    // The read is the resolution: a Compatibility call is read once.
    return await compatibility.get(query);
  } catch (error) {
    if (query.api === 'compatibility' || !isNotFound(error)) throw error;
    const { native, log } = await nativeRead().catch((nativeError: unknown) => {
      throw isNotFound(nativeError) ? error : nativeError;
    });
    if (!(NATIVE_SOURCES as readonly string[]).includes(log.source)) throw error;
    return nativeCallView(log, native.projectId);
  }
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
  const ownerOf = async (
    project: string | undefined,
    callSid: string,
    named: CallApi | undefined,
    signal?: AbortSignal,
  ) =>
    named ??
    resolveOwner(await access.forAccount(project), await access.nativeFor(project), callSid, { signal });

  return {
    ...compatibility,
    async apply(command: ApiCommand) {
      const project = command.project === undefined ? undefined : canonicalSid(command.project);
      let owner: CallApi;
      try {
        owner = await ownerOf(project, canonicalSid(command.callSid), command.api, command.signal);
      } catch (error) {
        // Neither API knows the call (or the reads failed): audited once, like any failure.
        const callSid = canonicalSid(command.callSid);
        const outcome: CallOutcome = {
          ok: false,
          accountSid: project ?? null,
          callSid,
          error: describeError(error, { redirect: false }),
          cause: error,
        };
        auditOutcome(log, command, outcome);
        return outcome;
      }
      if (owner === 'compatibility') {
        return { ...(await compatibility.apply(command)), api: 'compatibility' };
      }
      let outcome: CallOutcome;
      try {
        outcome = await applyToNativeCall(await access.nativeFor(project), command);
      } catch (error) {
        const callSid = canonicalSid(command.callSid);
        outcome = {
          ok: false,
          accountSid: null,
          callSid,
          error: describeError(error, { redirect: false }),
          cause: error,
          api: 'calling',
        };
      }
      auditOutcome(log, command, outcome);
      return outcome;
    },

    transfer: (command: TransferCommand) => transferOverBoth({ ownerOf, access, log }, command),
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
