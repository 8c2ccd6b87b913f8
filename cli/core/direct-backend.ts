import type { AuditLog } from '#commons/calls/audit';
import { cliActor } from '#commons/calls/audit-actors';
import type { ProjectCallsApi } from '#commons/calls/port';
import {
  type CallAction,
  type CallActionResult,
  type CallService,
  createCallService,
} from '#commons/calls/service';
import { describeError } from '#commons/errors';
import { toSignalWireFilter } from '#commons/signalwire/list-query-params';
import type { Call, CallUpdate } from '#commons/signalwire/types';
import { cliErrorOf } from './api-errors.ts';
import type { CallsBackend, CallsPage, ListFilter } from './backend.ts';

/**
 * SignalWire itself, through the functions' port and application code (the call service): the same
 * idempotent end, the same errors, and one audit record per action with trigger `cli` and actor
 * `cli:<user>`, appended to the CLI's audit file.
 */
export class DirectBackend implements CallsBackend {
  readonly where: string;

  constructor(
    private readonly calls: ProjectCallsApi,
    auditLog: AuditLog,
    private readonly actor: string,
  ) {
    this.where = `SignalWire project ${calls.projectId}`;
    this.service = createCallService({ forAccount: async () => calls }, auditLog);
  }

  private readonly service: CallService;

  async listPage(filter: ListFilter, cursor?: string): Promise<CallsPage> {
    // The API's one mapping (dates in RFC 2822 GMT, SIDs canonical): `--direct` sends what the API sends.
    const page = await this.#read(() =>
      this.calls.listCallsPage(cursor ? { nextPageUri: cursor } : toSignalWireFilter(filter)),
    );
    return { calls: page.calls, nextCursor: page.next_page_uri };
  }

  getCall(callSid: string): Promise<Call> {
    return this.#read(() => this.calls.getCall(callSid));
  }

  endCall(callSid: string): Promise<CallActionResult> {
    return this.#apply(callSid, { kind: 'terminate' });
  }

  updateCall(callSid: string, update: CallUpdate): Promise<CallActionResult> {
    return this.#apply(callSid, { kind: 'update', update });
  }

  /** An action through the call service, which audits it; a failure is thrown as the CLI reports errors. */
  async #apply(callSid: string, action: CallAction): Promise<CallActionResult> {
    const outcome = await this.service.apply({
      trigger: 'cli',
      actor: cliActor(this.actor),
      callSid,
      action,
    });
    if (!outcome.ok) throw cliErrorOf(outcome.error);
    return { call: outcome.call, outcome: outcome.outcome };
  }

  /** A read or a list, whose failure is described as one (SignalWire's 10000 is a refused value there). */
  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw cliErrorOf(describeError(error, { operation: 'read' }));
    }
  }
}
