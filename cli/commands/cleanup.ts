import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  AUDIT_MESSAGE,
  type AuditLog,
  type AuditRecord,
  CLEANUP_POLICY_REJECTED_MESSAGE,
  CLEANUP_REPORT_MESSAGE,
} from '#commons/calls/audit';
import { cliActor } from '#commons/calls/audit-actors';
import { type CleanupPolicy, type CleanupPolicyInput, POLICY_DEFAULTS } from '#commons/cleanup/policy';
import type { CleanupReport } from '#commons/cleanup/run-cleanup';
import { CLEANUP_CONCURRENCY, CLEANUP_FUNCTION_TIMEOUT_SECONDS } from '#commons/platform/settings';
import { CALL_DIRECTIONS } from '#commons/signalwire/types';
import { awsClientConfig, awsFailure } from '../core/aws.ts';
import { humanSeconds, parseDuration } from '../core/calls-view.ts';
import { checkChoice } from '../core/choice.ts';
import { confirmStale } from '../core/cleanup-preview.ts';
import { type CliCleanupReport, watchProxyRefusals } from '../core/cleanup-proxy.ts';
import { type CommandContext, defineCommand, holdOutput, printJson } from '../core/command.ts';
import { describeDeployedStack } from '../core/deployed-stack.ts';
import { CliError, EXIT, UsageError } from '../core/errors.ts';
import { watchInterrupts } from '../core/interrupt.ts';
import { policyRefusal } from '../core/policy-refusal.ts';
import { echo, echoWords, visible } from '../core/safe-text.ts';
import { localUser, openSignalWire, targetKind } from '../core/targets.ts';
import { ProgressBar } from '../core/terminal.ts';

const spec = {
  name: 'cleanup',
  summary: 'Run the stale-call cleanup with a policy, judged by the same rules as the scheduled function.',
  positionals: { min: 0, max: 0 },
  description: [
    'Exactly one of --dry-run (report and audit what would be ended) or --apply (end it; asks you to type "yes"). ' +
      'The policy comes from --policy-file (the JSON a schedule takes as "policy") and/or the flags, flags winning.',
    [
      'Deployed: invokes the cleanup function asynchronously and follows its logs to the report.',
      '--local / --direct: runs the same engine here. Either way a progress bar, then the report.',
    ].join('\n'),
  ],
  options: {
    'dry-run': { type: 'boolean', description: 'End nothing; report what would be ended.' },
    apply: { type: 'boolean', description: 'End the stale calls.' },
    'policy-file': {
      type: 'string',
      value: 'file',
      description: 'Policy JSON (maxAgeSeconds, to, from, directions, apis, neverTouch, maxCallsToEnd).',
    },
    'max-age-in-progress': {
      type: 'string',
      value: 'age',
      description: 'Answered calls older than this are stale (e.g. 4h).',
    },
    'max-age-ringing': {
      type: 'string',
      value: 'age',
      description: 'Ringing calls older than this are stale (e.g. 2m).',
    },
    'max-age-queued': {
      type: 'string',
      value: 'age',
      description: 'Queued calls older than this are stale (e.g. 10m).',
    },
    'to-prefix': {
      type: 'string',
      multiple: true,
      value: 'prefix',
      description: 'Only calls to numbers starting so (repeatable).',
    },
    'from-prefix': {
      type: 'string',
      multiple: true,
      value: 'prefix',
      description: 'Only calls from numbers starting so (repeatable).',
    },
    direction: {
      type: 'string',
      multiple: true,
      value: 'dir',
      description: 'Only calls in this direction (repeatable).',
    },
    'never-touch': {
      type: 'string',
      multiple: true,
      value: 'number|sid',
      description: 'Never end calls to/from this number, or this call (repeatable).',
    },
    'max-calls': {
      type: 'string',
      value: 'n',
      description: `Circuit breaker: at most n end requests. [default ${POLICY_DEFAULTS.maxCallsToEnd}]`,
    },
  },
  examples: [
    'call-control cleanup --dry-run --max-age-in-progress 4h --max-age-ringing 2m',
    'call-control cleanup --apply --policy-file policy.json --yes',
    'call-control cleanup --local --dry-run --max-age-in-progress 1h -o json | jq .wouldEnd',
  ],
} as const;

type CleanupContext = CommandContext<(typeof spec)['options']>;

const list = (value: string[] | undefined): string[] | undefined =>
  value !== undefined && value.length > 0 ? value : undefined;

/**
 * The policy input from the file and the flags (flags win field by field), before validation, and for each
 * policy field a flag set, the flag as typed: a refusal names what the operator typed, not the policy's field.
 */
const policyInput = (context: CleanupContext): { input: CleanupPolicyInput; typed: Map<string, string> } => {
  const { values } = context;
  const typed = new Map<string, string>();
  let fromFile: Record<string, unknown> = {};
  if (values['policy-file'] !== undefined) {
    try {
      fromFile = JSON.parse(readFileSync(values['policy-file'], 'utf8')) as Record<string, unknown>;
    } catch (error) {
      // Node's message for a file it cannot open repeats the path after the reason (`ENOENT: …, open '<path>'`).
      const { message, path } = error as NodeJS.ErrnoException;
      const why = path === undefined ? message : message.replace(/, \w+ '.*'$/s, '');
      throw new UsageError(`--policy-file ${echo(values['policy-file'])}: ${echoWords(why)}`);
    }
  }
  const maxAge: Record<string, number> = { ...((fromFile.maxAgeSeconds as Record<string, number>) ?? {}) };
  for (const [flag, key] of [
    ['max-age-in-progress', 'inProgress'],
    ['max-age-ringing', 'ringing'],
    ['max-age-queued', 'queued'],
  ] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    maxAge[key] = parseDuration(value, `--${flag}`);
    typed.set(`maxAgeSeconds.${key}`, `--${flag} ${echo(value)} (${maxAge[key]} s)`);
  }
  const toPrefixes = list(values['to-prefix']);
  const fromPrefixes = list(values['from-prefix']);
  // Directions in any case, as end-all's (`--direction INBOUND`), checked here so the refusal names the flag.
  const directions = list(values.direction)?.map((direction) =>
    checkChoice(direction, '--direction', CALL_DIRECTIONS),
  );
  const neverTouch = list(values['never-touch']);
  for (const [flag, prefixes, field] of [
    ['--to-prefix', toPrefixes, 'to'],
    ['--from-prefix', fromPrefixes, 'from'],
  ] as const)
    for (const [at, prefix] of (prefixes ?? []).entries())
      typed.set(`${field}.prefixes[${at}]`, `${flag} ${echo(prefix)}`);
  if (values['max-calls'] !== undefined)
    typed.set('maxCallsToEnd', `--max-calls ${echo(values['max-calls'])}`);
  const input = {
    ...fromFile,
    ...(Object.keys(maxAge).length > 0 ? { maxAgeSeconds: maxAge } : {}),
    ...(toPrefixes ? { to: { prefixes: toPrefixes } } : {}),
    ...(fromPrefixes ? { from: { prefixes: fromPrefixes } } : {}),
    ...(directions ? { directions } : {}),
    ...(neverTouch ? { neverTouch: [...((fromFile.neverTouch as string[]) ?? []), ...neverTouch] } : {}),
    ...(values['max-calls'] !== undefined ? { maxCallsToEnd: Number(values['max-calls']) } : {}),
    dryRun: values['dry-run'] === true,
  } as CleanupPolicyInput;
  return { input, typed };
};

/**
 * Validates the policy with the function's own validator and merge rules; a refusal names the flags as typed
 * (`policyRefusal`), with what to give instead.
 */
const resolve = async (input: CleanupPolicyInput, typed: Map<string, string>): Promise<CleanupPolicy> => {
  const { parsePolicyInput, resolvePolicy } = await import('#commons/cleanup/policy');
  const { RequestValidationError } = await import('#commons/errors');
  try {
    return resolvePolicy(undefined, parsePolicyInput(input, 'policy'));
  } catch (error) {
    if (error instanceof RequestValidationError) throw policyRefusal(error.violations, typed);
    throw error;
  }
};

/** Counts each audit record the run writes, for the progress bar. */
const counting = (inner: AuditLog, bar: ProgressBar, tally: Record<string, number>): AuditLog => ({
  info(message, attributes) {
    inner.info(message, attributes);
    const outcome = (attributes.audit as AuditRecord).outcome;
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    bar.tick(
      `(${Object.entries(tally)
        .map(([name, n]) => `${n} ${name}`)
        .join(', ')})`,
    );
  },
});

/** In this process (`--local`, `--direct`); `found`: the stale calls the preview found (the bar's total). */
const runHere = async (
  context: CommandContext,
  policy: CleanupPolicy,
  found: number | undefined,
): Promise<CliCleanupReport> => {
  const [access, { runCleanup }] = await Promise.all([
    openSignalWire(context.globals),
    import('#commons/cleanup/run-cleanup'),
  ]);
  const bar = new ProgressBar(policy.dryRun ? 'dry run' : 'cleanup', found);
  // Every end in flight, the listing and the pacer listen to the run's one hard-stop signal: more than Node's
  // default 10 at full concurrency, which Node.js 20 reports as a leak (MaxListenersExceededWarning) on the
  // operator's terminal. The default for the signals made from here on follows the pool's size (the functions
  // run on Node.js 24, which does not warn).
  setMaxListeners(CLEANUP_CONCURRENCY.default * 2 + 8);
  // Ctrl-C (or SIGTERM, SIGHUP) is the end of the run's time budget: no new page or call is started, the ends in flight
  // finish, and the report says what was done and what was not reached. A second one stops waiting.
  let interrupted = false;
  const watch = watchInterrupts({
    first: () => {
      interrupted = true;
      context.note(
        '\ninterrupted: no more calls will be ended; waiting for the ends in flight, then the report (Ctrl-C again to stop waiting)',
      );
    },
    second: () => {
      bar.finish();
      context.note(
        `stopped waiting: the ends in flight may or may not have been applied; \`${context.command('audit --since 1h')}\` shows what was done.`,
      );
      process.exit(EXIT.partial);
    },
  });
  // A request the proxy refused is named as the proxy's refusal, as `calls end` names it.
  const port = watchProxyRefusals(access.calls, await access.native());
  try {
    const report = await runCleanup(port.calls, policy, {
      native: port.native,
      scheduleName: access.actor,
      actor: cliActor(access.actor),
      trigger: 'cli',
      accountSid: access.calls.projectId,
      logger: counting(access.auditLog, bar, {}),
      remainingTimeMs: () => (interrupted ? 0 : Number.POSITIVE_INFINITY),
    });
    bar.finish();
    return port.said(report);
  } finally {
    watch.dispose();
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The caller's IAM principal (STS GetCallerIdentity), or undefined when STS cannot say. */
const callerArn = async (config: ReturnType<typeof awsClientConfig>): Promise<string | undefined> => {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const identity = await new STSClient(config).send(new GetCallerIdentityCommand({})).catch(() => undefined);
  return identity?.Arn;
};

/**
 * A schedule name (1 to 64 of `0-9A-Za-z._-`) from a principal: `arn:aws:sts::123456789012:assumed-role/Ops/alice`
 * becomes `cli-123456789012-assumed-role-Ops-alice-<time>`; the time keeps runs apart in the logs.
 */
export const cleanupScheduleName = (principal: string, nowMs: number): string => {
  const stamp = nowMs.toString(36);
  const name = `cli-${principal.replace(/^arn:[^:]*:(iam|sts)::/, '')}`.replace(/[^0-9A-Za-z._-]+/g, '-');
  return `${name.slice(0, 64 - stamp.length - 1)}-${stamp}`;
};

/**
 * Deployed: invokes the cleanup function asynchronously (`Event`, so the AWS CLI's 60 s read timeout and its
 * retries into the reserved concurrency do not apply) under a unique schedule name, then follows the
 * function's log group: each audit record with that name moves the progress bar, the `cleanup report` line
 * ends the wait.
 */
const runDeployed = async (
  context: CommandContext,
  policy: CleanupPolicyInput,
  found: number | undefined,
): Promise<CleanupReport> => {
  const stack = await describeDeployedStack(context.globals);
  if (!stack.cleanupFunctionName)
    throw new CliError(`stack ${stack.name} has no CleanupFunctionName output`, 'Redeploy the stack.');
  const [
    { LambdaClient, InvokeCommand, GetFunctionConfigurationCommand },
    { CloudWatchLogsClient, FilterLogEventsCommand },
  ] = await Promise.all([import('@aws-sdk/client-lambda'), import('@aws-sdk/client-cloudwatch-logs')]);
  const config = { ...awsClientConfig(context.globals), region: stack.region };
  const lambda = new LambdaClient(config);
  const logs = new CloudWatchLogsClient(config);
  // Lambda Invoke tells the function nothing of its caller: the name is claimed, built from the caller's
  // IAM principal (CloudTrail records who really invoked).
  const caller = await callerArn(config);
  const scheduleName = cleanupScheduleName(caller ?? `cli:${localUser()}`, Date.now());
  let logGroup: string;
  try {
    const fn = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: stack.cleanupFunctionName }),
    );
    logGroup = fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${stack.cleanupFunctionName}`;
    const started = Date.now();
    await lambda.send(
      new InvokeCommand({
        FunctionName: stack.cleanupFunctionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ scheduleName, policy })),
      }),
    );
    context.note(
      `Invoked ${stack.cleanupFunctionName} as "${scheduleName}" (${caller ?? 'STS GetCallerIdentity failed: named after the local user'}); following ${logGroup}.`,
    );
    const bar = new ProgressBar(policy.dryRun ? 'dry run' : 'cleanup', found);
    const seen = new Set<string>();
    // Past the function's own timeout, with a minute more for its logs to arrive.
    for (const deadline = started + (CLEANUP_FUNCTION_TIMEOUT_SECONDS + 60) * 1000; Date.now() < deadline; ) {
      let token: string | undefined;
      do {
        const page = await logs.send(
          new FilterLogEventsCommand({
            logGroupName: logGroup,
            startTime: started - 60_000,
            filterPattern: `"${scheduleName}"`,
            nextToken: token,
          }),
        );
        for (const event of page.events ?? []) {
          if (!event.eventId || seen.has(event.eventId)) continue;
          seen.add(event.eventId);
          const line = JSON.parse(event.message ?? '{}') as {
            message?: string;
            report?: CleanupReport;
            violations?: unknown;
          };
          if (line.message === AUDIT_MESSAGE) bar.tick();
          if (line.message === CLEANUP_REPORT_MESSAGE && line.report) {
            bar.finish();
            return line.report;
          }
          if (line.message === CLEANUP_POLICY_REJECTED_MESSAGE) {
            throw new CliError(
              `the function rejected the policy: ${visible(JSON.stringify(line.violations))}`,
            );
          }
        }
        token = page.nextToken;
      } while (token);
      await sleep(2_000);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw awsFailure('following the cleanup function', error, context.globals);
  }
  throw new CliError(
    `no report from ${stack.cleanupFunctionName} after ${CLEANUP_FUNCTION_TIMEOUT_SECONDS / 60 + 1} minutes`,
    `Look at the log group ${logGroup} for schedule "${scheduleName}", and at the function's errors alarm.`,
  );
};

const printReport = (context: CommandContext, report: CleanupReport | CliCleanupReport): void => {
  if (context.output !== 'table') {
    printJson(context, report, [report]);
    return;
  }
  const { style } = context;
  const lines = [
    style.bold(
      `Cleanup ${report.dryRun ? '(dry run) ' : ''}of project ${visible(report.accountSid)} by ${visible(report.scheduleName)}, ${humanSeconds(report.durationMs / 1000)}`,
    ),
    `  examined ${report.found} live call(s) on ${report.pagesRead} page(s); ${report.eligible} stale`,
    report.dryRun
      ? `  would end ${report.wouldEnd}`
      : `  ended ${report.ended}, already ended ${report.alreadyEnded}, answered meanwhile ${report.stateChanged}, failed ${report.failed}`,
    `  skipped: ${report.skipped.fresh} fresh, ${report.skipped.filtered} filtered out, ${report.skipped.neverTouch} never-touch, ${report.skipped.unknownAge} unknown age`,
  ];
  if (report.circuitBreaker.tripped) {
    lines.push(
      style.yellow(
        `  circuit breaker: stopped at ${report.circuitBreaker.cap}; ${report.circuitBreaker.eligibleBeyondCap} more stale call(s) left`,
      ),
    );
  }
  for (const call of report.wouldEndCalls)
    lines.push(`  would end ${visible(call.sid)}  ${visible(call.reason)}`);
  for (const call of report.failedCalls) {
    const why = call.signalwireMessage === undefined ? '' : ` (${visible(call.signalwireMessage)})`;
    lines.push(
      style.red(`  failed ${visible(call.sid)}  ${visible(call.code)}: ${visible(call.message)}${why}`),
    );
  }
  for (const failure of report.listingFailures) {
    const why = failure.signalwireMessage === undefined ? '' : ` (${visible(failure.signalwireMessage)})`;
    lines.push(style.red(`  could not list ${visible(failure.status)}: ${visible(failure.message)}${why}`));
  }
  if (report.incomplete) lines.push(style.yellow('  incomplete: run it again to reach the rest'));
  const hints = new Set(
    [...report.failedCalls, ...report.listingFailures].flatMap((failure) =>
      'hint' in failure && failure.hint !== undefined ? [failure.hint] : [],
    ),
  );
  for (const hint of hints) lines.push(`${style.dim('next:')}  ${visible(hint)}`);
  context.print(lines.join('\n'));
};

export const command = defineCommand({ ...spec, examples: [...spec.examples] }, async (context) => {
  const { values } = context;
  if ((values['dry-run'] === true) === (values.apply === true)) {
    throw new UsageError(
      'give exactly one of --dry-run or --apply',
      'Start with --dry-run to see what the policy would end.',
    );
  }
  const { input, typed } = policyInput(context);
  const policy = await resolve(input, typed);
  // Before ending anything: the stale calls found (shown, counted, confirmed); their count is the bar's total.
  const confirmed = policy.dryRun ? undefined : await confirmStale(context, policy);
  const found = confirmed?.total;
  // The run ends at most the calls confirmed: one that went stale since the preview waits for the next run. A
  // preview that judged every call and found none stale confirmed nothing, and the policy's cap cannot be 0: the
  // run is then a dry run, which ends nothing and shows what the policy sees now.
  const nothing = confirmed?.cap === 0;
  if (nothing)
    context.note('The preview found no stale call: nothing is ended (a dry run of the policy follows).');
  const cap = nothing ? { dryRun: true } : confirmed === undefined ? {} : { maxCallsToEnd: confirmed.cap };
  if (!policy.dryRun) holdOutput();
  const report =
    targetKind(context.globals) === 'deployed'
      ? await runDeployed(context, { ...input, ...cap }, found)
      : await runHere(context, { ...policy, ...cap }, found);
  printReport(context, report);
  const problems = report.failed + report.listingFailures.length + (report.incomplete ? 1 : 0);
  if (problems === 0) return EXIT.ok;
  return report.ended + report.alreadyEnded + report.wouldEnd > 0 ? EXIT.partial : EXIT.failed;
});
