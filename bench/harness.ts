import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toApiGatewayEvent } from '#local/api-gateway';
import { LAMBDA_ON_DEMAND_ENVIRONMENT } from '#local/lambda-context';
import { FUNCTION_RUNTIME_ENVIRONMENT } from '../infra/runtime.ts';
import { extraNodeFlags, spawnUnderCallgrind } from './callgrind.ts';

/** Nearest-rank percentile of `values` (0 < p <= 100). */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

/**
 * The V8 heap limits the Node.js runtime's bootstrap sets from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (new space a
 * tenth of the memory, a semi-space a third of that, the old space the rest). Without them V8 sizes its heap
 * from this machine's RAM and collects lazily, and peak RSS says more about the host than about the code.
 */
export const lambdaHeapFlags = (memoryMb: number): string => {
  const newSpace = Math.floor(memoryMb / 10);
  return `--max-semi-space-size=${Math.max(1, Math.floor(newSpace / 3))} --max-old-space-size=${memoryMb - newSpace}`;
};

/** The variables a function sees on Lambda, minus those of this shell (npm's, tsx's NODE_OPTIONS, ...). */
export interface FunctionEnvironment {
  awsEndpoint: string;
  /** The function's memory size; sets the V8 heap flags Lambda derives from it. */
  memoryMb: number;
  secretId: string;
  /** The loopback origin the secret points at (the project refuses any other non-SignalWire origin). */
  localSpaceOrigin: string;
  functionName: string;
  extra?: Record<string, string>;
}

export const functionEnv = (settings: FunctionEnvironment): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: settings.functionName,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memoryMb),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: settings.awsEndpoint,
  SIGNALWIRE_SECRET_ID: settings.secretId,
  SIGNALWIRE_LOCAL_SPACE_ORIGIN: settings.localSpaceOrigin,
  POWERTOOLS_SERVICE_NAME: settings.functionName,
  POWERTOOLS_METRICS_NAMESPACE: 'SignalWireCallControl',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_TRACE_DISABLED: 'true',
  ...FUNCTION_RUNTIME_ENVIRONMENT,
  ...LAMBDA_ON_DEMAND_ENVIRONMENT,
  // The heap limits Lambda's bootstrap adds for the memory size. infra/call-control-function.ts adds no option:
  // a bundle maps its own stack traces (no `--enable-source-maps`).
  NODE_OPTIONS: lambdaHeapFlags(settings.memoryMb),
  ...settings.extra,
});

/** The event API Gateway (HTTP API, payload 2.0, IAM route) sends for `POST /calls/{sid}/terminate`. */
export const terminateEvent = (callSid: string): APIGatewayProxyEventV2 =>
  toApiGatewayEvent(
    {
      method: 'POST',
      url: `/calls/${callSid}/terminate`,
      rawHeaders: [
        'Host',
        'abcdef1234.execute-api.us-east-1.amazonaws.com',
        'User-Agent',
        'bench/1.0',
        'Authorization',
        'AWS4-HMAC-SHA256 Credential=AKIABENCHOPERATOR000/20261127/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
        'X-Amz-Date',
        '20261127T120000Z',
        'Content-Length',
        '0',
      ],
      body: Buffer.alloc(0),
      sourceIp: '203.0.113.10',
      localPort: 443,
    },
    {
      routeKey: 'POST /calls/{callSid}/terminate',
      pathParameters: { callSid },
      accountId: '123456789012',
      apiId: 'abcdef1234',
      requestId: randomBytes(11).toString('base64'),
      authorizer: {
        iam: {
          accessKey: 'AKIABENCHOPERATOR000',
          accountId: '123456789012',
          callerId: 'AIDABENCHOPERATOR0000',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:iam::123456789012:user/bench-operator',
          userId: 'AIDABENCHOPERATOR0000',
        },
      },
    },
  );

const collect = (stream: Readable | null | undefined): (() => string) => {
  const chunks: Buffer[] = [];
  stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString();
};

/** One cold process: spawn to the line on fd 3 (the first answer) and spawn to exit, in ms. */
export interface ColdRun {
  spawnToAnswerMs: number;
  spawnToExitMs: number;
  /** The driver's own line (statusCode, importMs, readyMs since process start, ...). */
  report: Record<string, number> | undefined;
}

/** Spawns `node args...`; with `fd3`, the child's file descriptor 3 is a pipe whose first line is awaited. */
export const coldRun = (args: string[], env: NodeJS.ProcessEnv, fd3: boolean): Promise<ColdRun> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    let answeredAt: number | undefined;
    let line = '';
    const child = spawn(process.execPath, args, {
      env,
      stdio: fd3 ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe'],
    });
    const stderr = collect(child.stderr);
    (child.stdio[3] as Readable | undefined)?.on('data', (chunk: Buffer) => {
      answeredAt ??= performance.now();
      line += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitedAt = performance.now();
      if (code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr().slice(0, 2000)}`));
        return;
      }
      resolve({
        spawnToAnswerMs: (answeredAt ?? exitedAt) - started,
        spawnToExitMs: exitedAt - started,
        report: line ? (JSON.parse(line) as Record<string, number>) : undefined,
      });
    });
  });

/**
 * `BENCH_CPU_PROF_DIR`: every IPC child (warm, cleanup, memory drivers) writes a V8 CPU profile there, to see
 * where a row's time goes (Node refuses `--cpu-prof` in NODE_OPTIONS). Profiled figures are slower: not for rows.
 */
const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;

/** `node ...args` with an IPC channel, as {@link ipcRun} starts it outside callgrind (see there for the variables). */
const spawnTraced = (args: string[], env: NodeJS.ProcessEnv): ChildProcess => {
  const file = process.env.BENCH_CHILD_STDOUT;
  const stdout = file ? openSync(file, 'a') : 'ignore';
  try {
    return spawn(process.execPath, [...extraNodeFlags(process.env.BENCH_NODE_FLAGS), ...args], {
      env,
      stdio: ['ignore', stdout, 'pipe', 'ipc'],
    });
  } finally {
    // The child holds its own copy of the descriptor.
    if (typeof stdout === 'number') closeSync(stdout);
  }
};

/**
 * Starts `node script` with an IPC channel, sends `message`, and resolves with the child's one answer.
 * Its stdout (the function's log lines) is discarded; stderr is kept for the error message.
 *
 * To see why a row's time goes where it does (not for rows: flags change the figures), read at each start:
 * `BENCH_NODE_FLAGS` (words separated by white space), Node's own flags for the child (not under callgrind: that is
 * `BENCH_CALLGRIND_NODE_FLAGS`), those NODE_OPTIONS refuses among them (`--trace-gc`, `--min-semi-space-size=16`);
 * `BENCH_CHILD_STDOUT`, a file the child's stdout is appended to instead (its log lines, and what such a flag
 * traces), e.g. `BENCH_NODE_FLAGS=--trace-gc BENCH_CHILD_STDOUT=gc.log` (bench/cleanup-instructions.ts's header).
 * With any of them set, `npm run bench` publishes nothing (bench/runner.ts).
 */
export const ipcRun = <Answer>(script: string, env: NodeJS.ProcessEnv, message: unknown): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const args = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, script] : [script];
    // BENCH_CALLGRIND_OUT: the child runs under valgrind's callgrind, its counts written to that file
    // (bench/cleanup-instructions.ts); instructions do not depend on the machine's load, times under it mean nothing.
    const callgrindOut = process.env.BENCH_CALLGRIND_OUT;
    const child: ChildProcess = callgrindOut
      ? spawnUnderCallgrind(callgrindOut, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
      : spawnTraced(args, env);
    const stderr = collect(child.stderr);
    let answer: unknown;
    child.once('message', (received) => {
      answer = received;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const error = (answer as { error?: string } | undefined)?.error;
      if (code !== 0 || answer === undefined || error) {
        // Under callgrind its banner and the bundle's line come first: the error itself is at the end.
        const said = callgrindOut ? stderr().slice(-2000) : stderr().slice(0, 2000);
        reject(new Error(`${script} failed (${code}): ${error ?? said}`));
        return;
      }
      resolve(answer as Answer);
    });
    child.send(message as Parameters<ChildProcess['send']>[0]);
  });
