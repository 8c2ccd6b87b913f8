import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../functions/commons/calls/audit.ts';
import {
  auditedResultOf,
  auditOutcome,
  type CallCommand,
  type CallOutcome,
  createCallService,
} from '../../functions/commons/calls/service.ts';
import { AccountNotConfiguredError } from '../../functions/commons/errors.ts';
import type { Call } from '../../functions/commons/signalwire/types.ts';

const PROJECT = '7b1a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SID = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const actor = { kind: 'iam' } as unknown as CallCommand['actor'];

/** The audit records a log is given. */
const auditLog = () => {
  const records: AuditRecord[] = [];
  return {
    records,
    log: { info: (_: unknown, { audit }: { audit: AuditRecord }) => void records.push(audit) },
  };
};

describe('the call service audit record', () => {
  it.each([
    ['in upper case', PROJECT.toUpperCase()],
    ['already canonical', PROJECT],
  ])(
    'audits a project it could not choose, named %s, in its canonical form, leaving the command as given',
    async (_, project) => {
      const { records, log } = auditLog();
      const service = createCallService(
        { forAccount: async (accountSid) => Promise.reject(new AccountNotConfiguredError(accountSid ?? '')) },
        log,
      );
      const command: CallCommand = {
        trigger: 'http',
        actor,
        project,
        callSid: SID,
        action: { kind: 'terminate' },
      };

      const outcome = await service.apply(command);

      expect(outcome).toMatchObject({ ok: false, accountSid: null });
      expect(records.map((record) => record.accountSid)).toEqual([PROJECT]);
      expect(command.project).toBe(project);
    },
  );

  it('keeps the fields of a result in their order: outcome, resulting status when known, reason, prior status', () => {
    const outcome = (status: string | null): CallOutcome => ({
      ok: true,
      accountSid: PROJECT,
      callSid: SID,
      call: { sid: SID, status } as unknown as Call,
      outcome: 'already-ended',
    });

    expect(JSON.stringify(auditedResultOf(outcome('completed')))).toBe(
      '{"outcome":"already-ended","resultingStatus":"completed","reason":"the call had already ended (completed)"}',
    );
    expect(JSON.stringify(auditedResultOf(outcome(null), 'stale'))).toBe(
      '{"outcome":"already-ended","reason":"stale; the call had already ended (null)"}',
    );
    const { records, log } = auditLog();
    const command = { trigger: 'http' as const, actor, callSid: SID, action: { kind: 'terminate' as const } };
    auditOutcome(log, command, outcome('completed'), { priorStatus: 'in-progress' });
    auditOutcome(log, command, outcome('completed'));

    expect(
      records.map(({ outcome: o, resultingStatus, reason, priorStatus }) => ({
        o,
        resultingStatus,
        reason,
        priorStatus,
      })),
    ).toEqual([
      {
        o: 'already-ended',
        resultingStatus: 'completed',
        reason: 'the call had already ended (completed)',
        priorStatus: 'in-progress',
      },
      {
        o: 'already-ended',
        resultingStatus: 'completed',
        reason: 'the call had already ended (completed)',
        priorStatus: undefined,
      },
    ]);
    expect(Object.keys(records[0] ?? {}).slice(-4)).toEqual([
      'outcome',
      'reason',
      'resultingStatus',
      'priorStatus',
    ]);
  });
});
