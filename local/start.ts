/**
 * `npm start`: the whole project on loopback with nothing to set up. Starts the SignalWire emulator, the
 * local Secrets Manager / EventBridge endpoint and a local API Gateway on http://localhost:3000 (PORT
 * overrides) in front of the real handlers, the operator console at /console/ with a local sign-in stand-in,
 * seeds calls in several states and prints the console's URL, its users and commands to try.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CallStatus } from '#commons/signalwire/types';
import { localStateDir, makePrivateDir } from '../cli/core/local-state.ts';
import { LOCAL_CREDENTIALS, startLocalStack } from './local-stack.ts';
import { localFlags, nativeCallLines, nativeCliLines } from './native-banner.ts';
import { seedNativeCalls } from './native-seeds.ts';
import { LOCAL_USERS } from './sign-in.ts';

const requestedPort = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(2);
}

/** A port free now: asked of the system by listening on port 0 once. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

// PORT=0 means "any free port". The port is chosen before the stack starts because the CLI finds the stack's
// state (stack.json, audit.ndjson) in a folder named after the port its `--port` gives: with the folder of
// port 0, two such stacks would share one folder and the printed commands would find neither.
const port = requestedPort === 0 ? await freePort() : requestedPort;

// Quiet by default so the commands below stay readable; LOG_LEVEL=INFO shows the structured logs and audits.
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'WARN';

const awsPort = Number(process.env.AWS_PORT ?? 0);
// Where `call-control --local` finds this stack (stack.json) and its audit records (audit.ndjson).
const stateDir = localStateDir(port);
// The CLI trusts only a folder of this user's with mode 0700 (another user could point it elsewhere).
makePrivateDir(stateDir);
/**
 * Why the stack could not start, in words a new user can act on: a taken port (another `npm start`, say) or a
 * machine without loopback gets one line and what to do, not a stack trace. Anything else is unexpected.
 */
const startFailure = (error: unknown): string | undefined => {
  const { code } = (error ?? {}) as { code?: unknown };
  if (code === 'EADDRINUSE')
    return `npm start: port ${port} is already in use (another \`npm start\`, or another program).\nRun it on another port (PORT=3100 npm start) or on any free one (PORT=0 npm start; the commands it prints name the port).`;
  if (code === 'EACCES')
    return `npm start: not allowed to listen on port ${port} (ports below 1024 need privileges).\nRun it on another port (PORT=3000 npm start) or on any free one (PORT=0 npm start).`;
  if (code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL')
    return 'npm start: 127.0.0.1 (loopback) is not reachable on this machine, and every part of the local stack runs on it.\nBring the loopback interface up (`ip link set lo up`) and run it again.';
  return undefined;
};

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({ port, awsPort, stateDir });
} catch (error) {
  const message = startFailure(error);
  if (message === undefined) throw error;
  console.error(message);
  // The stand-ins already started (emulator, AWS, DynamoDB) end with the process.
  process.exit(1);
}
const seeded: Array<{ status: CallStatus; ageSeconds: number }> = [
  { status: 'in-progress', ageSeconds: 45 },
  { status: 'in-progress', ageSeconds: 600 },
  { status: 'in-progress', ageSeconds: 7_200 },
  { status: 'ringing', ageSeconds: 20 },
  { status: 'queued', ageSeconds: 5 },
  { status: 'completed', ageSeconds: 900 },
];
const calls = seeded.map((init) => stack.emulator.seedCall(stack.projectId, init));
const live = calls.filter((c) => c.status === 'in-progress');
const ringing = calls.find((c) => c.status === 'ringing');
const native = seedNativeCalls(stack.emulator, stack.projectId);
const base = `http://localhost:${stack.api.port}`;
const ROLE_WORDS = {
  viewer: 'sees live calls and the audit trail',
  operator: 'also ends, redirects and updates calls',
  admin: 'also runs end-all (the kill switch)',
} as const;

const lines = [
  '',
  `SignalWire call control, running locally on ${base}`,
  '',
  `Operator console: ${stack.consoleUrl}`,
  '  Sign in as (local stand-in for the stack’s sign-in; loopback only):',
  ...LOCAL_USERS.map(
    (user) => `    ${user.username.padEnd(9)} password ${user.password.padEnd(15)} ${ROLE_WORDS[user.group]}`,
  ),
  '',
  `  SignalWire emulator  ${stack.emulator.url}  (project ${stack.projectId})`,
  `  AWS stand-in         ${stack.aws.url}  (Secrets Manager, EventBridge)`,
  '',
  'Seeded calls:',
  ...calls.map((c) => `  ${c.sid}  ${c.status.padEnd(11)} from ${c.from} to ${c.to}`),
  '',
  'Try:',
  `  curl -s '${base}/calls?status=in-progress'`,
  `  curl -s -X POST ${base}/calls/${live[0]?.sid}/terminate`,
  `  curl -s -X POST ${base}/calls/${live[0]?.sid}/terminate      # again: 200, already ended`,
  `  curl -s -X POST ${base}/calls/${live[1]?.sid} -d Status=canceled   # 409: in-progress calls cannot be canceled`,
  `  curl -s -X POST ${base}/calls/${live[1]?.sid} -d Url=https://example.com/hold.xml -d Method=GET`,
  `  curl -s -X POST ${base}/calls/${ringing?.sid} -H 'content-type: application/json' -d '{"status":"canceled"}'`,
  `  curl -s -X POST ${base}/calls/not-a-sid/terminate            # 400: names the field`,
  `  curl -s ${base}/calls/${live[2]?.sid}`,
  '',
  ...nativeCallLines(base, native, live[2]?.sid),
  '',
  'Or with the operator CLI (signed requests; `npx call-control --help`):',
  `  npx call-control calls list ${localFlags(stack.api.port)}`,
  `  npx call-control calls end ${live[0]?.sid} ${localFlags(stack.api.port)}`,
  `  npx call-control audit ${localFlags(stack.api.port)} --call ${live[0]?.sid}`,
  '',
  ...nativeCliLines(native, stack.api.port),
  '',
  `AWS credentials of this stack: AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} (region us-east-1).`,
  'Signed requests are checked against them (a wrong signature gets 403, as on API Gateway), e.g.',
  `  curl -s --aws-sigv4 aws:amz:us-east-1:execute-api --user ${LOCAL_CREDENTIALS.accessKeyId}:${LOCAL_CREDENTIALS.secretAccessKey} '${base}/calls?status=in-progress'`,
  `Audit records (as CloudWatch Logs would keep them): ${join(stateDir, 'audit.ndjson')}`,
  '',
  'Events: the local EventBridge routes "Call Update Requested" from these sources to the event function:',
  `  bus ${stack.eventBusName}, sources ${stack.allowedEventSources.join(', ')}; results are published back to the bus.`,
  `  AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} aws --region us-east-1 --endpoint-url ${stack.aws.url} events put-events \\`,
  `    --entries '[{"EventBusName":"${stack.eventBusName}","Source":"${stack.allowedEventSources[0]}","DetailType":"Call Update Requested","Detail":"{\\"callSid\\":\\"${live[2]?.sid}\\",\\"action\\":\\"terminate\\"}"}]'`,
  '  (or run `npm run event:local` for a self-contained round trip)',
  '',
  `Status callbacks: POST ${base}/webhooks/signalwire/status (form body, signed with X-SignalWire-Signature).`,
  '',
  'Requests without an Authorization header run as a local IAM identity. Ctrl-C stops everything.',
  '',
];
console.log(lines.join('\n'));

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
