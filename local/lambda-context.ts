import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Options for {@link createLambdaContext}. */
export interface LambdaContextOptions {
  /** Name of the function being invoked. */
  functionName: string;
  /**
   * Time the invocation may run before Lambda would stop it.
   * @default 3000 (Lambda's default function timeout)
   */
  timeoutMs?: number;
  /**
   * Memory configured for the function.
   * @default 128
   */
  memoryMB?: number;
  /** @default 'us-east-1' */
  region?: string;
  /** @default '123456789012' */
  accountId?: string;
  /**
   * The invocation's request id, for a test that names its invocations.
   * @default - a fresh UUID
   */
  awsRequestId?: string;
  /**
   * The alias the invocation went through, as Lambda reports it in `invokedFunctionArn`.
   * @default - the unqualified function
   */
  alias?: string;
}

/**
 * What Lambda itself sets in an on-demand execution environment and the functions' libraries read: Powertools
 * counts a cold start only where `AWS_LAMBDA_INITIALIZATION_TYPE` is `on-demand` (the Logger's `"cold_start"`,
 * the Tracer's `ColdStart` annotation), and reads it once, when the Logger is built. The local stack
 * (`npm start`, the integration tests), `npm run cleanup:local` and the benchmark's function processes set it
 * before a function is loaded, so the first invocation logs `"cold_start": true` and the next ones `false`, as
 * deployed.
 */
export const LAMBDA_ON_DEMAND_ENVIRONMENT: Readonly<Record<string, string>> = {
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
};

const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_MEMORY_MB = 128;

const legacyMethod = (name: string) => (): never => {
  throw new Error(
    `context.${name}() is the callback-era Lambda API; return a value or throw from the async handler instead`,
  );
};

/**
 * Builds the Lambda `Context` a function receives for one invocation: a fresh `awsRequestId`, a deadline
 * `timeoutMs` from now that `getRemainingTimeInMillis()` counts down to, and the ARN and log names Lambda
 * derives from the function name. The legacy `done`/`fail`/`succeed` methods throw, so code that still
 * relies on them fails locally instead of hanging.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const { functionName } = options;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}${options.alias ? `:${options.alias}` : ''}`,
    memoryLimitInMB: String(options.memoryMB ?? DEFAULT_MEMORY_MB),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: legacyMethod('done'),
    fail: legacyMethod('fail'),
    succeed: legacyMethod('succeed'),
  };
}
