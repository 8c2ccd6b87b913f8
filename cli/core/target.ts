import { existsSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { AuditLog } from '#commons/calls/audit';
import type { ProjectCallsApi } from '#commons/calls/port';
import { ENV } from '#commons/platform/settings';
import type { LocalStackState } from '#local/local-stack';
import { type MarkedOutput, parseMarkedDescription } from '../../infra/stack-outputs.ts';
import type { CallsBackend } from './backend.ts';
import { CliError, EXIT, UsageError } from './errors.ts';

/** Options every command takes: where to act, and as whom. */
export interface GlobalOptions {
  local: boolean;
  direct: boolean;
  /** CloudFormation stack name (deployed mode). */
  stack: string;
  /** Path of the CallControl construct, when the stack holds several (deployed mode). */
  construct: string | undefined;
  profile: string | undefined;
  region: string | undefined;
  /** Port of the local stack (`--local`). */
  port: number;
  /** The SignalWire secret's name or ARN (`--direct`). */
  secretId: string;
}

export type TargetKind = 'deployed' | 'direct' | 'local';

export const targetKind = (options: GlobalOptions): TargetKind => {
  if (options.local && options.direct) throw new UsageError('--local and --direct cannot be used together');
  return options.local ? 'local' : options.direct ? 'direct' : 'deployed';
};

/** What `npm start` writes for the CLI: the local stack's own type (a type import, erased from the bundle). */
export type LocalState = LocalStackState;

export const localStateDir = (port: number): string =>
  process.env.CALL_CONTROL_LOCAL_STATE_DIR ?? join(tmpdir(), 'call-control-local', String(port));

export const readLocalState = (options: GlobalOptions): LocalState => {
  const file = join(localStateDir(options.port), 'stack.json');
  if (!existsSync(file)) {
    throw new CliError(
      `no local stack found on port ${options.port} (${file} does not exist)`,
      'Start it with `npm start` (PORT=... for another port), or pass --port.',
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
};

/** The local user, for `cli:<user>` actors. */
export const localUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
};

/** AWS SDK client settings from the user's standard configuration, narrowed by --profile / --region. */
export const awsClientConfig = (options: GlobalOptions) => ({
  ...(options.profile ? { profile: options.profile } : {}),
  ...(options.region ? { region: options.region } : {}),
});

/** An AWS SDK failure, with what to do about it. */
export const awsFailure = (what: string, error: unknown): CliError => {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const credentials = /credential|token|expired|sso/i.test(`${name} ${message}`);
  return new CliError(
    `${what} failed: ${name}: ${message}`,
    credentials
      ? 'Refresh your AWS credentials (`aws sso login`, AWS_PROFILE or --profile), then run it again.'
      : 'Check --region / --profile, and that your role may do this; `call-control doctor` checks the setup.',
  );
};

/**
 * Why the SignalWire secret could not be read, with what to do: the AWS SDK's error classified (no region,
 * no credentials, no such secret, access denied), never the secret's content.
 */
export const secretReadFailure = (secretId: string, error: unknown, kind: TargetKind): CliError => {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const fail = (what: string, hint: string) =>
    new CliError(
      `could not read the SignalWire secret "${secretId}": ${what}`,
      hint,
      EXIT.failed,
      'SECRET_UNREADABLE',
    );
  if (/region is missing/i.test(message)) {
    return fail(
      'no AWS region is set',
      'Set AWS_REGION (or a region in your AWS profile), or pass --region.',
    );
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return fail(
      `no AWS credentials (${name})`,
      'Configure AWS credentials (`aws configure`, `aws sso login`, or AWS_PROFILE), or pass --profile.',
    );
  }
  if (name === 'ResourceNotFoundException') {
    return fail(
      'Secrets Manager has no secret by that name in this region',
      kind === 'deployed'
        ? 'The stack’s functions name it (SIGNALWIRE_SECRET_ID); check --region, or create the secret (docs/deploy.md).'
        : 'Pass the right --secret-id (or SIGNALWIRE_SECRET_ID) and --region, or create the secret (docs/deploy.md).',
    );
  }
  if (name === 'AccessDeniedException' || /not authorized|access ?denied/i.test(message)) {
    return fail(
      `access denied (${name})`,
      `Your AWS identity needs secretsmanager:GetSecretValue on "${secretId}" (and kms:Decrypt on its key, if it has a customer-managed one).`,
    );
  }
  return fail(
    `${name}: ${message}`,
    'Check --region / --profile and your network; `call-control doctor` checks the setup.',
  );
};

/** The deployed stack's outputs, read with CloudFormation DescribeStacks. */
export interface DeployedStack {
  name: string;
  region: string;
  outputs: Record<string, string>;
  apiUrl: string;
  cleanupFunctionName: string | undefined;
}

export const describeDeployedStack = async (options: GlobalOptions): Promise<DeployedStack> => {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(awsClientConfig(options));
  let stack: { Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> } | undefined;
  try {
    stack = (await client.send(new DescribeStacksCommand({ StackName: options.stack }))).Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      throw new CliError(
        `CloudFormation stack "${options.stack}" not found in ${await client.config.region()}`,
        'Pass --stack NAME (or set CALL_CONTROL_STACK) and --region; `--local` targets `npm start`, `--direct` SignalWire itself.',
      );
    }
    throw awsFailure(`reading the outputs of stack "${options.stack}"`, error);
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
        `stack "${options.stack}" has no CallControl construct at "${options.construct}"`,
        paths.length > 0
          ? `Its CallControl constructs: ${paths.join(', ')}; pass one to --construct.`
          : 'Its CallControl construct declares no CLI outputs (cliOutputs: false?); redeploy with them.',
      );
    }
  } else if (paths.length > 1) {
    throw new UsageError(
      `stack "${options.stack}" holds ${paths.length} CallControl constructs: ${paths.join(', ')}`,
      `Pass --construct PATH, e.g. --construct ${paths[0]}.`,
    );
  } else if (paths.length === 1) {
    chosen = byConstruct.get(paths[0]!);
  } else {
    const exact = (key: string) => outputs.find((output) => output.OutputKey === key)?.OutputValue;
    chosen = { ApiUrl: exact('ApiUrl'), CleanupFunctionName: exact('CleanupFunctionName') };
  }
  if (!chosen?.ApiUrl) {
    throw new CliError(
      `stack "${options.stack}" has no call-control ApiUrl output`,
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
    `stack "${stackName}" output ApiUrl is ${JSON.stringify(value)}: the API must be reached over https`,
    'Deploy the CallControl construct as it is (API Gateway serves https only), or point --stack at the right stack.',
  );
};

/** The Calls API of the target: its HTTP API (deployed, local), or SignalWire itself (direct). */
export const openCalls = async (options: GlobalOptions): Promise<CallsBackend> => {
  const kind = targetKind(options);
  const { ApiBackend } = await import('./api-backend.ts');
  if (kind === 'local') {
    const state = readLocalState(options);
    return new ApiBackend({
      apiUrl: state.apiUrl,
      region: state.region,
      credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
      where: `the local stack (${state.apiUrl})`,
      unreachableHint: 'Is `npm start` still running? Start it again, or pass --port.',
      // The local gateway trusts only the credentials `npm start` wrote to its stack.json: no AWS profile is involved.
      forbiddenHint: `The local stack refused the signature: the CLI signs with the credentials in ${localStateDir(options.port)}/stack.json; restart \`npm start\` (or pass the --port it runs on) so they match.`,
    });
  }
  if (kind === 'direct') {
    const { DirectBackend } = await import('./direct-backend.ts');
    const access = await openSignalWire(options);
    return new DirectBackend(access.calls, access.auditLog, access.actor);
  }
  const stack = await describeDeployedStack(options);
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return new ApiBackend({
    apiUrl: stack.apiUrl,
    region: stack.region,
    credentials: defaultProvider(options.profile ? { profile: options.profile } : {}),
    where: `stack ${stack.name}`,
    unreachableHint:
      'Check your network and the ApiUrl output; `--direct` talks to SignalWire without the API.',
  });
};

/** SignalWire reached with the credentials in the secret, as the functions reach it. */
export interface SignalWireAccess {
  calls: ProjectCallsApi;
  /** Where this process's own actions are audited. */
  auditLog: AuditLog;
  /** `cli:<user>`, or the local IAM identity for the local stack. */
  actor: string;
  /** The secret's text, for `doctor` (never printed). */
  readSecret(): Promise<string>;
  allowedLocalOrigin: string | undefined;
}

/**
 * Reads the SignalWire secret from Secrets Manager (the user's AWS credentials; the local stand-in with its
 * credentials for `--local`), parsed and checked by the functions' own rules, and opens that project's
 * Calls API. `--direct` also honours SIGNALWIRE_LOCAL_SPACE_ORIGIN like the functions do.
 */
export const openSignalWire = async (options: GlobalOptions): Promise<SignalWireAccess> => {
  const kind = targetKind(options);
  const [{ SecretsManagerClient, GetSecretValueCommand }, credentials, composition, audit] =
    await Promise.all([
      import('@aws-sdk/client-secrets-manager'),
      import('#commons/signalwire/credentials'),
      import('#commons/signalwire/compose-access'),
      import('./audit-file.ts'),
    ]);
  const state = kind === 'local' ? readLocalState(options) : undefined;
  const client = state
    ? new SecretsManagerClient({
        region: state.region,
        endpoint: state.awsEndpoint,
        credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
      })
    : new SecretsManagerClient(awsClientConfig(options));
  const secretId = state?.secretId ?? options.secretId;
  const allowedLocalOrigin = state
    ? state.localSpaceOrigin
    : credentials.parseLocalOrigin(process.env[ENV.signalWireLocalSpaceOrigin]);
  const access = composition.composeSignalWireAccess({
    secretId,
    secretMaxAgeSeconds: 0,
    allowedLocalOrigin,
    secretsManager: client,
    client: { timeoutMs: 10_000 },
  });
  const store = access.credentials;
  let project: Awaited<ReturnType<typeof store.get>>;
  try {
    project = await store.get();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('could not read the SignalWire secret')) {
      // The credentials module names only the SDK error's class; read once more for the error itself.
      const cause = await client.send(new GetSecretValueCommand({ SecretId: secretId })).then(
        () => error,
        (sdkError: unknown) => sdkError,
      );
      throw secretReadFailure(secretId, cause, kind);
    }
    throw new CliError(
      message,
      `Fix the secret "${secretId}": {"projectId","apiToken","spaceUrl","signingKey"} (README, "The secret"); \`call-control doctor${kind === 'local' ? ' --local' : kind === 'direct' ? ' --direct' : ''}\` checks its shape.`,
      EXIT.failed,
      'SECRET_INVALID',
    );
  }
  return {
    calls: access.callsOf(project),
    auditLog: audit.fileAuditLog(state?.auditLog ?? audit.defaultAuditFile()),
    actor: state ? state.identityArn : `cli:${localUser()}`,
    allowedLocalOrigin,
    async readSecret() {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      return answer.SecretString ?? '';
    },
  };
};
