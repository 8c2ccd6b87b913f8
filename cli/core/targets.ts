import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { AuditLog } from '#commons/calls/audit';
import type { NativeCallsApi, ProjectCallsApi } from '#commons/calls/port';
import { ApiBackend } from './api-backend.ts';
import { auditFileLocation, fileAuditLog } from './audit-file.ts';
import { awsClientConfig, checkProfile } from './aws.ts';
import type { CallsBackend } from './backend.ts';
import { describeDeployedStack } from './deployed-stack.ts';
import { DirectBackend } from './direct-backend.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { LOCAL_STATE_FILE, type LocalStackState, localStateDir, readLocalState } from './local-state.ts';
import { CLI_ENV, type GlobalOptions } from './options.ts';
import { echo } from './safe-text.ts';
import { SecretReadError, secretReadFailure } from './secret-errors.ts';

export type TargetKind = 'deployed' | 'direct' | 'local';

export const targetKind = (options: Pick<GlobalOptions, 'local' | 'direct'>): TargetKind => {
  if (options.local && options.direct) throw new UsageError('--local and --direct cannot be used together');
  return options.local ? 'local' : options.direct ? 'direct' : 'deployed';
};

/** The local user, for `cli:<user>` actors. */
export const localUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
};

/**
 * The Calls API of the target: its HTTP API (deployed, local), or SignalWire itself (direct). The backends
 * are imported statically: as dynamic imports they split the modules `--help` loads into more chunks, and
 * `--help` must start within 1.35× of a bare `node` (docs/benchmarks.md).
 */
export const openCalls = async (options: GlobalOptions): Promise<CallsBackend> => {
  const kind = targetKind(options);
  if (kind === 'local') {
    const state = readLocalState(options.port, options.portGiven);
    return new ApiBackend({
      apiUrl: state.apiUrl,
      region: state.region,
      credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
      where: `the local stack (${state.apiUrl})`,
      unreachableHint: 'Is `npm start` still running? Start it again, or pass --port.',
      // The local gateway trusts only the credentials `npm start` wrote to its stack.json: no AWS profile is involved.
      forbiddenHint: `The local stack refused the signature: the CLI signs with the credentials in ${join(localStateDir(options.port), LOCAL_STATE_FILE)}; restart \`npm start\` (or pass the --port it runs on) so they match.`,
    });
  }
  if (kind === 'direct') {
    const access = await openSignalWire(options);
    return new DirectBackend(access.calls, access.native, access.auditLog, access.actor);
  }
  const stack = await describeDeployedStack(options);
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return new ApiBackend({
    apiUrl: stack.apiUrl,
    region: stack.region,
    credentials: defaultProvider(options.profile ? { profile: options.profile } : {}),
    where: `stack ${stack.name}`,
    unreachableHint: `Check your network and the ApiUrl output (region ${stack.region}, profile ${options.profile ?? process.env.AWS_PROFILE ?? 'default'}); \`--direct\` talks to SignalWire without the API.`,
  });
};

/** SignalWire reached with the credentials in the secret, as the functions reach it. */
export interface SignalWireAccess {
  calls: ProjectCallsApi;
  /** The same project's native Calling API and voice logs (opened on first use). */
  native(): Promise<NativeCallsApi>;
  /** Where this process's own actions are audited. */
  auditLog: AuditLog;
  /** `cli:<user>`, or the local IAM identity for the local stack. */
  actor: string;
  /** The secret's text, for `doctor` (never printed). */
  readSecret(): Promise<string>;
  allowedLocalOrigin: string | undefined;
}

/** A credentials failure that trying again may clear (Secrets Manager throttled or unreachable). */
const isTransientCredentialsError = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'CredentialsError' &&
  (error as { retryable?: unknown }).retryable === true;

/**
 * Reads the SignalWire secret from Secrets Manager (the user's AWS credentials; the local stand-in with its
 * credentials for `--local`), parsed and checked by the functions' own rules, and opens that project's
 * Calls API. `--direct` also honours SIGNALWIRE_LOCAL_SPACE_ORIGIN like the functions do.
 */
export const openSignalWire = async (options: GlobalOptions): Promise<SignalWireAccess> => {
  const kind = targetKind(options);
  const [{ SecretsManagerClient, GetSecretValueCommand }, credentials, composition] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('#commons/signalwire/credentials'),
    import('#commons/signalwire/compose-access'),
  ]);
  const state: LocalStackState | undefined =
    kind === 'local' ? readLocalState(options.port, options.portGiven) : undefined;
  if (!state) checkProfile(options);
  const client = state
    ? new SecretsManagerClient({
        region: state.region,
        endpoint: state.awsEndpoint,
        credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
      })
    : new SecretsManagerClient(awsClientConfig(options));
  const secretId = state?.secretId ?? options.secretId;
  const readSecret = async (): Promise<string> => {
    // No region at all: nothing can be sent; said as such, not read from the SDK's wording.
    if ((await client.config.region().catch(() => undefined)) === undefined)
      throw new SecretReadError(secretId, undefined);
    try {
      return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '';
    } catch (error) {
      throw new SecretReadError(secretId, error);
    }
  };
  const allowedLocalOrigin = state
    ? state.localSpaceOrigin
    : credentials.parseLocalOrigin(process.env[CLI_ENV.localSpaceOrigin]);
  // The functions' composition root: the same secret source, credentials cache and client pool.
  const access = composition.composeSignalWireAccess({
    secretId,
    secretMaxAgeSeconds: 0,
    allowedLocalOrigin,
    secretsManager: client,
    client: { timeoutMs: 10_000 },
  });
  let project: Awaited<ReturnType<typeof access.credentials.get>>;
  try {
    project = await access.credentials.get().catch(async (error: unknown) => {
      // Read once more, typed: an unreadable secret (the AWS SDK's error) is told from a malformed one.
      const failure = await readSecret().then(
        () => undefined,
        (readError: unknown) => readError,
      );
      if (failure instanceof SecretReadError) throw secretReadFailure(failure, kind);
      // The secret reads now: a first failure that was transient (throttled, unreachable) is no fault of the
      // secret's, so the credentials are taken once more rather than the secret reported as one to fix.
      if (isTransientCredentialsError(error)) return access.credentials.get();
      throw error;
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // Failed twice for a reason that may pass (throttled each time): nothing is wrong with the secret.
    if (isTransientCredentialsError(error)) {
      throw new CliError(
        message,
        'Secrets Manager could not be read just now (throttled or unreachable); nothing was changed. Run it again.',
        EXIT.failed,
        'SECRET_UNREADABLE',
      );
    }
    throw new CliError(
      message,
      (command) =>
        `Fix the secret "${echo(secretId)}": {"projectId","apiToken","spaceUrl","signingKey"} (README, "The secret"); \`${command('doctor')}\` checks its shape.`,
      EXIT.failed,
      'SECRET_INVALID',
    );
  }
  return {
    calls: access.callsOf(project),
    native: () => access.nativeFor(project.projectId),
    auditLog: fileAuditLog(state ? { file: state.auditLog, ownFolder: true } : auditFileLocation()),
    actor: state ? state.identityArn : `cli:${localUser()}`,
    allowedLocalOrigin,
    readSecret,
  };
};
