/**
 * The audit-record runs of the cleanup bench (bench/cleanup-driver.ts, in its child): the records as the cleanup
 * writes them (`auditLines`), as many bare writes of one such line (`writeLines`), and the same lines made by hand
 * with no work per line the contract does not require (`requiredLines`), so that each can be set against the
 * others.
 */
import { randomUUID } from 'node:crypto';
import { scheduleActor } from '#commons/calls/audit-actors';
import {
  auditRecordFrame,
  auditRecordJson,
  changeForAudit,
  writeAuditJson,
} from '#commons/calls/audit-record';
import { auditedResultOf, type CallOutcome } from '#commons/calls/service';
import { logger } from '#commons/platform/powertools';
import type { CleanupOutcome, CleanupPlan } from './cleanup-driver.ts';
import { auditLineMaker } from './cleanup-required-work.ts';

export const writeAudits = (plan: CleanupPlan, outcome: CleanupOutcome, sids: readonly string[]): void => {
  const lines = plan.auditLines ?? 0;
  // The actor a scheduled run records: the schedule's name and what EventBridge Scheduler attests.
  const actor = scheduleActor(
    'bench-cleanup',
    {
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/bench-cleanup',
      executionId: randomUUID(),
      scheduledTime: new Date().toISOString(),
      attemptNumber: '1',
    },
    // Through the schedules' alias, as a scheduled run is invoked.
    'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup:scheduler',
  );
  // As the cleanup's ledger writes them (cleanup/report.ts `settle`): one pre-serialised record per call, from a
  // frame made once for the run, written as it is.
  const frame = auditRecordFrame({ trigger: 'schedule', actor }, plan.projectId);
  const change = JSON.stringify(changeForAudit({ Status: 'completed' }));
  // The client's outcome of an ended call (its layer's work); the ledger makes the record's result from it.
  const ended = { ok: true, outcome: 'updated', call: { status: 'completed' } } as unknown as CallOutcome;
  for (let line = 0; line < lines; line++) {
    // The rule as run-cleanup.ts `ruleOf` makes it when it acts on the call.
    const rule = `in-progress for 7200 s by start_time; the policy allows ${plan.maxAgeSeconds} s`;
    const result = auditedResultOf(ended, rule);
    result.priorStatus = 'in-progress';
    result.api = 'compatibility';
    writeAuditJson(logger, auditRecordJson(frame, sids[line] as string, change, result));
  }
  outcome.runs = 1;
  outcome.ended = lines;
};

/** One audit line as `writeAudits` writes it: its text, taken from stdout (nothing reaches the real stdout). */
export const sampleAuditLine = (plan: CleanupPlan, scratch: CleanupOutcome): string => {
  const write = process.stdout.write;
  let line = '';
  process.stdout.write = ((chunk: string) => {
    line = chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    writeAudits({ ...plan, auditLines: 1 }, scratch, [randomUUID()]);
  } finally {
    process.stdout.write = write;
  }
  return line;
};

export const writeBare = (lines: number, line: string, outcome: CleanupOutcome): void => {
  for (let written = 0; written < lines; written++) process.stdout.write(line);
  outcome.runs = 1;
  outcome.ended = lines;
  outcome.lineBytes = Buffer.byteLength(line);
};

/**
 * The audit record's required-work floor: `requiredLines` lines with the fields and values of the records
 * `writeAudits` writes (the same actor, project, change, outcome, rule, statuses), made by hand with no work repeated
 * per line that the contract does not require (bench/cleanup-required-work.ts `auditLineMaker`: the run's fixed part
 * serialised once, the outcome's and statuses' JSON once per value, the timestamp's text once a second, each
 * record's SID and rule with `JSON.stringify`), each written with `process.stdout.write`. No library: not the
 * Logger, nor the project's record builder.
 */
export const writeRequired = (plan: CleanupPlan, outcome: CleanupOutcome, sids: readonly string[]): void => {
  const lines = plan.requiredLines ?? 0;
  const line = auditLineMaker({
    service: process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control-cleanup',
    // The actor `writeAudits` records, field for field: what EventBridge Scheduler attests through the alias.
    actor: {
      name: 'bench-cleanup',
      attested: {
        invokedAs: 'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup:scheduler',
        scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/bench-cleanup',
        executionId: randomUUID(),
        scheduledTime: new Date().toISOString(),
        attemptNumber: '1',
      },
      claimed: { scheduleName: 'bench-cleanup' },
    },
    accountSid: plan.projectId,
    change: { Status: 'completed' },
    api: 'compatibility',
  });
  for (let written = 0; written < lines; written++) {
    const reason = `in-progress for 7200 s by start_time; the policy allows ${plan.maxAgeSeconds} s`;
    process.stdout.write(
      line({
        callSid: sids[written] as string,
        outcome: 'updated',
        reason,
        resultingStatus: 'completed',
        priorStatus: 'in-progress',
      }),
    );
  }
  outcome.runs = 1;
  outcome.ended = lines;
};
