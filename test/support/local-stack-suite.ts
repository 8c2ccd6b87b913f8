import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AuditRecord } from '#commons/calls/audit';
import type { CleanupPolicyInput } from '#commons/cleanup/policy';
import type { CleanupReport } from '#commons/cleanup/run-cleanup';
import { createLambdaContext } from '#local/lambda-context';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from './output-capture.ts';

/** Environment a file sets before the stack starts (handlers read it once at import); undefined removes it. */
export type SuiteEnvironment = Record<string, string | undefined>;

/**
 * One local stack for a test file, started once and shared by its tests: the process output is captured from
 * the first line, `env` is set and the stand-ins start before all tests, each test begins with the emulator's
 * recorded requests, faults, rate limit and latency and the local targets' errors cleared, and all of it stops
 * after the file. `stack` reads through to the running stack, so tests use it as they would the stack itself.
 */
export const useLocalStack = (env: SuiteEnvironment = {}) => {
  const output = captureOutput();
  let started: LocalStack | undefined;
  const running = (): LocalStack => {
    if (!started) throw new Error('the local stack is not running (useLocalStack starts it in beforeAll)');
    return started;
  };
  beforeAll(async () => {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    started = await startLocalStack();
  });
  afterAll(async () => {
    await started?.stop();
    output.restore();
  });
  beforeEach(() => {
    const { emulator, aws } = running();
    emulator.clearRequests();
    emulator.clearFaults();
    emulator.setRateLimit(undefined);
    emulator.setLatency(0);
    aws.targetErrors.length = 0;
  });
  // A stand-in object: the file's tests are defined before beforeAll starts the stack they use.
  const stack = new Proxy({} as LocalStack, { get: (_target, key) => Reflect.get(running(), key) });
  return { stack, output };
};

/**
 * Loads a function's module after the local stack started (its configuration is read at import, from the
 * environment the stack set), in the file's beforeAll: the same module instance the local stand-ins serve.
 */
export const useHandler = <Handler>(load: () => Promise<unknown>) => {
  let handler: Handler | undefined;
  beforeAll(async () => {
    ({ handler } = (await load()) as { handler: Handler });
  });
  return (): Handler => {
    if (!handler) throw new Error('the handler is not loaded yet (useHandler loads it in beforeAll)');
    return handler;
  };
};

export type CleanupHandler = (event: unknown, context: Context) => Promise<CleanupReport>;

/** The cleanup's settings every cleanup suite runs with: log lines for the audits, no pacing to wait for. */
const CLEANUP_ENVIRONMENT: SuiteEnvironment = {
  POWERTOOLS_LOG_LEVEL: 'INFO',
  // The pacing has its own unit test; here it would only make a 1,200-call file slow.
  CLEANUP_MAX_ENDS_PER_SECOND: '1380',
  CLEANUP_TIME_MARGIN_MS: '1000',
};

/** The Lambda ARN of the cleanup's `scheduler` alias, as the local context names it. */
export const SCHEDULER_ALIAS_ARN =
  'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup:scheduler';

/** What EventBridge Scheduler substitutes for the context attributes the construct puts in every input. */
export const schedulerOf = (scheduleName: string) => ({
  scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/call-control/${scheduleName}`,
  executionId: `exec-${scheduleName}`,
  scheduledTime: '2026-11-29T23:00:00Z',
  attemptNumber: '1',
});

/**
 * The real cleanup function (`functions/cleanup.ts`) over a local stack, with `env` on top of the cleanup's
 * settings. `invoke` runs one schedule's policy: `viaScheduler` as EventBridge Scheduler does (its context
 * attributes, through the `scheduler` alias), otherwise as a direct invocation. `numbered` gives a number of a
 * prefix no other call of the file has, so each test cleans only its own calls.
 */
export const useCleanupSuite = (env: SuiteEnvironment = {}) => {
  const suite = useLocalStack({ ...CLEANUP_ENVIRONMENT, ...env });
  const handler = useHandler<CleanupHandler>(() => import('../../functions/cleanup.ts'));
  const invoke = (
    scheduleName: string,
    policy: CleanupPolicyInput,
    { timeoutMs = 60_000, viaScheduler = false }: { timeoutMs?: number; viaScheduler?: boolean } = {},
  ) =>
    handler()(
      viaScheduler
        ? { scheduleName, policy, scheduler: schedulerOf(scheduleName) }
        : { scheduleName, policy },
      createLambdaContext({
        functionName: 'call-control-cleanup',
        timeoutMs,
        ...(viaScheduler ? { alias: 'scheduler' } : {}),
      }),
    );
  let sequence = 0;
  const numbered = (prefix: string) => `${prefix}${String(++sequence).padStart(7, '0')}`;
  const auditsOf = (scheduleName: string): AuditRecord[] =>
    (suite.output.audits() as unknown as AuditRecord[]).filter(
      (record) => record.actor.name === scheduleName,
    );
  return { ...suite, handler, invoke, numbered, auditsOf };
};
