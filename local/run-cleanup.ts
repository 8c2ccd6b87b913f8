/**
 * `npm run cleanup:local -- [--dry-run] [--verbose]`: one scheduled cleanup against the local emulator.
 * Starts the local stack, seeds stale and fresh calls in every live state (plus an allow-listed one, one
 * outside the policy's filters and one without a start time), invokes the real cleanup handler as
 * EventBridge Scheduler would, prints its report, shows what became of each call, and stops everything.
 * `--verbose` also prints the function's structured logs (one audit record per call acted on).
 */
import type { CleanupPolicyInput } from '#commons/cleanup/policy';
import type { CleanupReport } from '#commons/cleanup/run-cleanup';
import { CLEANUP_CONCURRENCY, CLEANUP_FUNCTION_TIMEOUT_SECONDS, ENV } from '#commons/platform/settings';
import type { Call, CallResourceDirection, CallStatus } from '#commons/signalwire/types';
import { createLambdaContext } from './lambda-context.ts';
import { startLocalStack } from './local-stack.ts';

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((arg) => arg !== '--dry-run' && arg !== '--verbose');
if (unknown.length > 0) {
  console.error(
    `unknown option ${unknown.join(' ')}; usage: npm run cleanup:local -- [--dry-run] [--verbose]`,
  );
  process.exit(2);
}
const dryRun = args.has('--dry-run');

process.env.POWERTOOLS_LOG_LEVEL ??= args.has('--verbose') ? 'INFO' : 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'call-control-cleanup';

const PROTECTED_NUMBER = '+13105550199';
const policy: CleanupPolicyInput = {
  maxAgeSeconds: { inProgress: 3600, ringing: 120, queued: 600 },
  directions: ['outbound'],
  neverTouch: [PROTECTED_NUMBER],
  maxCallsToEnd: 50,
  dryRun,
};

interface Seed {
  status: CallStatus;
  ageSeconds: number;
  why: string;
  to?: string;
  direction?: CallResourceDirection;
  startTime?: null;
}
const seeds: Seed[] = [
  { status: 'in-progress', ageSeconds: 4 * 3600, why: 'stale: answered 4 h ago' },
  { status: 'in-progress', ageSeconds: 2 * 3600, why: 'stale: answered 2 h ago' },
  { status: 'in-progress', ageSeconds: 600, why: 'fresh: answered 10 min ago' },
  { status: 'in-progress', ageSeconds: 5 * 3600, why: 'allow-listed number', to: PROTECTED_NUMBER },
  { status: 'in-progress', ageSeconds: 5 * 3600, why: 'filtered out: inbound', direction: 'inbound' },
  { status: 'in-progress', ageSeconds: 5 * 3600, why: 'unknown age: no start_time', startTime: null },
  { status: 'ringing', ageSeconds: 900, why: 'stale: ringing for 15 min' },
  { status: 'ringing', ageSeconds: 30, why: 'fresh: ringing for 30 s' },
  { status: 'queued', ageSeconds: 3600, why: 'stale: queued for 1 h' },
  { status: 'queued', ageSeconds: 60, why: 'fresh: queued for 1 min' },
  { status: 'completed', ageSeconds: 7200, why: 'already over: never listed' },
];

const stack = await startLocalStack();
try {
  process.env[ENV.cleanupConcurrency] ??= String(CLEANUP_CONCURRENCY.default);
  const { handler } = (await import('../functions/cleanup.ts')) as unknown as {
    handler: (event: unknown, context: ReturnType<typeof createLambdaContext>) => Promise<CleanupReport>;
  };
  const calls: Array<{ call: Call; why: string }> = seeds.map(({ why, ...init }) => ({
    call: stack.emulator.seedCall(stack.projectId, { direction: 'outbound', ...init }),
    why,
  }));

  const event = { scheduleName: 'local-demo', policy };
  console.log(`Invoking the cleanup handler with ${JSON.stringify(event, null, 2)}\n`);
  const report = await handler(
    event,
    createLambdaContext({
      functionName: 'call-control-cleanup',
      timeoutMs: CLEANUP_FUNCTION_TIMEOUT_SECONDS * 1000,
    }),
  );

  console.log('Cleanup report:');
  console.log(JSON.stringify(report, null, 2));
  console.log('\nThe seeded calls now:');
  for (const { call, why } of calls) {
    const now = stack.emulator.getCall(stack.projectId, call.sid)?.status ?? 'gone';
    const change = now === call.status ? 'untouched' : `-> ${now}`;
    console.log(`  ${call.sid}  ${call.status.padEnd(11)} ${change.padEnd(13)} ${why}`);
  }
} finally {
  await stack.stop();
}
