import { type MarkedOutput, parseMarkedDescription } from '../../infra/stack-outputs.ts';
import { awsClientConfig, awsFailure, checkProfile } from './aws.ts';
import { CliError, UsageError } from './errors.ts';
import type { GlobalOptions } from './options.ts';
import { echo } from './safe-text.ts';

/** The deployed stack's outputs, read with CloudFormation DescribeStacks. */
export interface DeployedStack {
  name: string;
  region: string;
  outputs: Record<string, string>;
  apiUrl: string;
  cleanupFunctionName: string | undefined;
}

export const describeDeployedStack = async (options: GlobalOptions): Promise<DeployedStack> => {
  checkProfile(options);
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(awsClientConfig(options));
  let stack: { Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> } | undefined;
  try {
    stack = (await client.send(new DescribeStacksCommand({ StackName: options.stack }))).Stacks?.[0];
  } catch (error) {
    // DescribeStacks with a stack name answers ValidationError when no such stack exists.
    if (error instanceof Error && error.name === 'ValidationError') {
      throw new CliError(
        `CloudFormation stack "${echo(options.stack)}" not found in ${echo(await client.config.region())}`,
        'Pass --stack NAME (or set CALL_CONTROL_STACK) and --region; `--local` targets `npm start`, `--direct` SignalWire itself.',
      );
    }
    throw awsFailure(`reading the outputs of stack "${echo(options.stack)}"`, error, options);
  }
  const outputs = Object.fromEntries(
    (stack?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
  );
  const found = callControlOutputs(options, stack?.Outputs ?? []);
  return {
    name: options.stack,
    region: await client.config.region(),
    outputs,
    apiUrl: found.ApiUrl,
    cleanupFunctionName: found.CleanupFunctionName,
  };
};

/**
 * The outputs of one CallControl construct: found by the Description marker the construct writes
 * (infra/stack-outputs.ts), else by this repository's own stack's keys (ApiUrl, CleanupFunctionName).
 */
export const callControlOutputs = (
  options: Pick<GlobalOptions, 'stack' | 'construct'>,
  outputs: ReadonlyArray<{ OutputKey?: string; OutputValue?: string; Description?: string }>,
): { ApiUrl: string; CleanupFunctionName: string | undefined } => {
  const byConstruct = new Map<string, Partial<Record<MarkedOutput, string>>>();
  for (const output of outputs) {
    const marker = parseMarkedDescription(output.Description);
    if (!marker || output.OutputValue === undefined) continue;
    const entry = byConstruct.get(marker.constructPath) ?? {};
    entry[marker.name] = output.OutputValue;
    byConstruct.set(marker.constructPath, entry);
  }
  const paths = [...byConstruct.keys()];
  let chosen: Partial<Record<MarkedOutput, string>> | undefined;
  if (options.construct !== undefined) {
    chosen = byConstruct.get(options.construct);
    if (!chosen) {
      throw new CliError(
        `stack "${echo(options.stack)}" has no CallControl construct at "${echo(options.construct)}"`,
        paths.length > 0
          ? `Its CallControl constructs: ${paths.map(echo).join(', ')}; pass one to --construct.`
          : 'Its CallControl construct declares no CLI outputs (cliOutputs: false?); redeploy with them.',
      );
    }
  } else if (paths.length > 1) {
    throw new UsageError(
      `stack "${echo(options.stack)}" holds ${paths.length} CallControl constructs: ${paths.map(echo).join(', ')}`,
      `Pass --construct PATH, e.g. --construct ${echo(paths[0]!)}.`,
    );
  } else if (paths.length === 1) {
    chosen = byConstruct.get(paths[0]!);
  } else {
    const exact = (key: string) => outputs.find((output) => output.OutputKey === key)?.OutputValue;
    chosen = { ApiUrl: exact('ApiUrl'), CleanupFunctionName: exact('CleanupFunctionName') };
  }
  if (!chosen?.ApiUrl) {
    throw new CliError(
      `stack "${echo(options.stack)}" has no call-control ApiUrl output`,
      'Is it a stack with a CallControl construct (cliOutputs on, the default)? Redeploy it with `npx cdk deploy`.',
    );
  }
  return {
    ApiUrl: secureApiUrl(options.stack, chosen.ApiUrl),
    CleanupFunctionName: chosen.CleanupFunctionName,
  };
};

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * A deployed API is reached over https only: over http every signed request (a signature replayable for five
 * minutes) and every answer (call details) would cross the network in the clear. Loopback is allowed, since
 * nothing leaves the machine (a test stack standing in for AWS).
 */
export const secureApiUrl = (stackName: string, value: string): string => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.test(url.hostname))) return value;
  throw new CliError(
    `stack "${echo(stackName)}" output ApiUrl is ${echo(JSON.stringify(value))}: the API must be reached over https`,
    'Deploy the CallControl construct as it is (API Gateway serves https only), or point --stack at the right stack.',
  );
};
