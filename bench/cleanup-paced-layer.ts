/**
 * The `paced` and `settled` layers of bench/cleanup-driver.ts (bench/cleanup-layers.ts): the end requests of the
 * `apply` layer started through the cleanup's own pool and pacer, and settled in its own ledger.
 */
import { scheduleActor } from '#commons/calls/audit-actors';
import { applyToProject } from '#commons/calls/service';
import { Pacer } from '#commons/cleanup/pacer';
import { CleanupLedger, type Target } from '#commons/cleanup/report';
import { TaskPool } from '#commons/cleanup/task-pool';
import { logger } from '#commons/platform/powertools';
import type { SignalWireClient } from '#commons/signalwire/client';
import { CLEANUP_ENDS_PER_SECOND } from '../functions/commons/platform/settings.ts';
import type { CleanupOutcome, CleanupPlan, Ender } from './cleanup-driver.ts';

/**
 * Each call started as the cleanup starts it (a slot of its pool, then its turn of its pacer, at its pace), and,
 * given `client` (the `settled` layer), ended through it, counted and audited in its ledger as the cleanup does.
 */
export const endPaced = async (
  plan: CleanupPlan,
  sids: string[],
  outcome: CleanupOutcome,
  end: Ender,
  client: SignalWireClient | undefined,
): Promise<void> => {
  const pool = new TaskPool(plan.concurrency);
  const pacer = new Pacer(1000 / (plan.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.max));
  const signal = new AbortController().signal;
  const ledger = new CleanupLedger(
    {
      scheduleName: 'bench-cleanup',
      accountSid: plan.projectId,
      dryRun: false,
      startedAt: new Date().toISOString(),
      cap: plan.maxCallsToEnd,
    },
    { logger, trigger: 'schedule', actor: scheduleActor('bench-cleanup', undefined, undefined) },
    100,
  );
  const action = { kind: 'terminate', status: 'completed' } as const;
  const task = (target: Target) => async (): Promise<void> => {
    if (client === undefined) {
      if (await end(target.sid)) outcome.ended++;
      else outcome.failed++;
      return;
    }
    const answer = await applyToProject(client, plan.projectId, { callSid: target.sid, action, signal });
    if (answer.ok) ledger.settle(target, { kind: 'applied', outcome: answer });
    else ledger.settle(target, { kind: 'failed', error: answer.error });
  };
  for (const sid of sids) {
    if (pool.full) await pool.slot();
    const rule = `in-progress for ${STALE_AGE_SECONDS_OF_BENCH} s by start_time; the policy allows ${plan.maxAgeSeconds} s`;
    await pacer.wait(signal);
    pool.start(task({ sid, api: 'compatibility', status: 'in-progress', rule }));
  }
  await pool.drain();
  if (client !== undefined) {
    outcome.ended = ledger.report.ended;
    outcome.failed = ledger.report.failed;
  }
  outcome.runs = 1;
  outcome.found = sids.length;
};

/** The seeded calls' age the rule of the `settled` layer names (bench/cleanup-scenarios.ts STALE_AGE_SECONDS). */
const STALE_AGE_SECONDS_OF_BENCH = 7200;
