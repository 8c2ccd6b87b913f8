import type { CallApi } from '#commons/calling/vocabulary';
import type { AuditLog } from '#commons/calls/audit';
import { cliActor } from '#commons/calls/audit-actors';
import { apisFor } from '#commons/calls/list-both';
import { type ApiCommand, type NativeAwareCallService, withNativeCalls } from '#commons/calls/native-calls';
import type { NativeCallsApi, ProjectCallsApi } from '#commons/calls/port';
import { type CallActionResult, type CallOutcome, createCallService } from '#commons/calls/service';
import { describeError } from '#commons/errors';
import { toSignalWireFilter } from '#commons/signalwire/list-query-params';
import type { CallUpdate } from '#commons/signalwire/types';
import { cliErrorOf } from './api-errors.ts';
import { apiOf, type CallsBackend, type CallsPage, type ListedCall, type ListFilter } from './backend.ts';
import { cursorOfPosition, positionOfCursor } from './direct-cursor.ts';
import type { CliError } from './errors.ts';
import { proxyInUse, proxyRefusalOf, proxyRefusedError } from './proxy.ts';

/**
 * SignalWire itself, through the functions' port and application code (the call service over both kinds of
 * call, `withNativeCalls`): the same owner resolution, the same idempotent end, the same errors, and one audit
 * record per action with trigger `cli` and actor `cli:<user>`, appended to the CLI's audit file.
 */
export class DirectBackend implements CallsBackend {
  readonly where: string;
  private readonly service: NativeAwareCallService;

  constructor(
    private readonly calls: ProjectCallsApi,
    native: () => Promise<NativeCallsApi>,
    auditLog: AuditLog,
    private readonly actor: string,
  ) {
    this.where = `SignalWire project ${calls.projectId}`;
    const compatibility = createCallService({ forAccount: async () => calls }, auditLog);
    this.service = withNativeCalls(
      compatibility,
      { forAccount: async () => calls, nativeFor: native },
      auditLog,
    );
  }

  async listPage(filter: ListFilter, cursor?: string): Promise<CallsPage> {
    const position = cursor === undefined ? undefined : positionOfCursor(cursor, this.calls.projectId);
    const page = await this.#read(() => {
      if (position) return this.service.list({ from: { position } });
      // The API's one mapping (dates in RFC 2822 GMT, SIDs canonical) and its one rule for which kinds a
      // listing covers: `--direct` sends what the API sends, and refuses what it refuses.
      const { api, ...filters } = filter;
      const signalWireFilter = toSignalWireFilter(filters);
      return this.service.list({ from: { filter: signalWireFilter, apis: apisFor(signalWireFilter, api) } });
    });
    return {
      calls: page.calls,
      nextCursor: page.next === null ? null : cursorOfPosition(page.next, this.calls.projectId),
    };
  }

  getCall(callSid: string, api?: CallApi): Promise<ListedCall> {
    return this.#read(() => this.service.get({ callSid, ...(api ? { api } : {}) }));
  }

  endCall(callSid: string, api?: CallApi): Promise<CallActionResult> {
    return this.#apply({ ...this.#origin(callSid, api), action: { kind: 'terminate' } });
  }

  updateCall(callSid: string, update: CallUpdate, api?: CallApi): Promise<CallActionResult> {
    return this.#apply({ ...this.#origin(callSid, api), action: { kind: 'update', update } });
  }

  async transferCall(callSid: string, dest: string, api?: CallApi): Promise<CallActionResult> {
    return this.#result(await this.service.transfer({ ...this.#origin(callSid, api), dest }));
  }

  #origin(callSid: string, api: CallApi | undefined) {
    return { trigger: 'cli' as const, actor: cliActor(this.actor), callSid, ...(api ? { api } : {}) };
  }

  /** An action through the call service, which audits it; a failure is thrown as the CLI reports errors. */
  async #apply(command: ApiCommand): Promise<CallActionResult> {
    return this.#result(await this.service.apply(command));
  }

  #result(outcome: CallOutcome): CallActionResult {
    if (!outcome.ok)
      throw refusedByProxy(outcome.error, outcome.cause) ?? cliErrorOf({ ...outcome.error, change: true });
    return {
      call: outcome.call,
      outcome: outcome.outcome,
      api: outcome.api ?? apiOf(outcome.call),
    };
  }

  /** A read or a list, whose failure is described as one (SignalWire's 10000 is a refused value there). */
  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const described = describeError(error, { operation: 'read' });
      throw refusedByProxy(described, error) ?? cliErrorOf(described);
    }
  }
}

/**
 * A proxy's refusal (a 407, a tunnel it will not open), told as the proxy's, not as SignalWire rejecting the
 * request: SignalWire never answers 407, and nothing went past the proxy.
 */
const refusedByProxy = (
  described: { signalwire?: { status: number } },
  error?: unknown,
): CliError | undefined => {
  const refusal =
    proxyRefusalOf(error) ??
    (described.signalwire?.status === 407 && proxyInUse() !== undefined
      ? ({ status: 407, protocol: 'http:' } as const)
      : undefined);
  return refusal
    ? proxyRefusedError(refusal, 'the request to SignalWire', 'your SignalWire space')
    : undefined;
};
