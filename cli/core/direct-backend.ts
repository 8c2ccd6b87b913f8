import type { AuditLog } from '#commons/audit';
import { cliActor } from '#commons/audit-actors';
import { type CallActionResult, performCallAction } from '#commons/call-actions';
import { describeError } from '#commons/errors';
import { LIST_QUERY_TO_SIGNALWIRE } from '#commons/http/schemas';
import { canonicalSid } from '#commons/sids';
import type { AccountCalls } from '#commons/signalwire/account-calls';
import type { Call, CallUpdate, ListCallsFilter } from '#commons/signalwire/types';
import { cliErrorOf } from './api-errors.ts';
import type { CallsBackend, CallsPage, ListFilter } from './backend.ts';

/**
 * SignalWire itself, through the functions' port and application code (`performCallAction`): the same
 * idempotent end, the same errors, and one audit record per action with trigger `cli` and actor
 * `cli:<user>`, appended to the CLI's audit file.
 */
export class DirectBackend implements CallsBackend {
  readonly where: string;

  constructor(
    private readonly calls: AccountCalls,
    private readonly auditLog: AuditLog,
    private readonly actor: string,
  ) {
    this.where = `SignalWire project ${calls.projectId}`;
  }

  async listPage(filter: ListFilter, cursor?: string): Promise<CallsPage> {
    const signalwire: ListCallsFilter = {};
    for (const [name, value] of Object.entries(filter)) {
      const field = LIST_QUERY_TO_SIGNALWIRE[name as keyof typeof LIST_QUERY_TO_SIGNALWIRE];
      if (field && value !== undefined) {
        // SignalWire compares SIDs case-sensitively; the canonical form is lower case.
        (signalwire as Record<string, string | number>)[field] =
          field === 'ParentCallSid' ? canonicalSid(String(value)) : value;
      }
    }
    const page = await this.#wrap(
      () => this.calls.listCallsPage(cursor ? { nextPageUri: cursor } : signalwire),
      false,
    );
    return { calls: page.calls, nextCursor: page.next_page_uri };
  }

  getCall(callSid: string): Promise<Call> {
    return this.#wrap(() => this.calls.getCall(callSid), false);
  }

  endCall(callSid: string): Promise<CallActionResult> {
    return this.#wrap(() =>
      performCallAction(this.calls, this.auditLog, { trigger: 'cli', actor: cliActor(this.actor) }, callSid, {
        kind: 'terminate',
      }),
    );
  }

  updateCall(callSid: string, update: CallUpdate): Promise<CallActionResult> {
    return this.#wrap(
      () =>
        performCallAction(
          this.calls,
          this.auditLog,
          { trigger: 'cli', actor: cliActor(this.actor) },
          callSid,
          {
            kind: 'update',
            update,
          },
        ),
      true,
      update.Url !== undefined,
    );
  }

  async #wrap<T>(work: () => Promise<T>, update = true, redirect = false): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw cliErrorOf(describeError(error, { update, redirect }));
    }
  }
}
