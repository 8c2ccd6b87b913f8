import type { ProjectCredentials } from '#commons/signalwire/credentials';
import { awsClientConfig } from '../core/aws.ts';
import { defineCommand, printJson } from '../core/command.ts';
import { describeDeployedStack } from '../core/deployed-stack.ts';
import { CliError, EXIT, hintText } from '../core/errors.ts';
import { readLocalState } from '../core/local-state.ts';
import type { GlobalOptions } from '../core/options.ts';
import { echo, visible } from '../core/safe-text.ts';
import { openCalls, openSignalWire, type SignalWireAccess, targetKind } from '../core/targets.ts';

const spec = {
  name: 'doctor',
  summary:
    'Pre-flight checks, each pass or fail: stack outputs, secret shape, SignalWire host, API token, signing key, clock.',
  positionals: { min: 0, max: 0 },
  description: [
    'Reads only: the token is tried with a one-call List Calls. Exits 1 when any check fails. Never prints a secret.',
  ],
  options: {},
  examples: [
    'call-control doctor',
    'call-control doctor --direct --secret-id signalwire/call-control',
    'call-control doctor --local -o json',
  ],
} as const;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

/** Seconds of clock difference past which SigV4 (5 min) and signature timestamps start to fail. */
const MAX_SKEW_SECONDS = 30;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** SIGNALWIRE_SECRET_ID of the stack's cleanup function (GetFunctionConfiguration), if it can be read. */
const functionSecretId = async (
  globals: GlobalOptions,
  functionName: string | undefined,
): Promise<string | undefined> => {
  if (!functionName) return undefined;
  const { LambdaClient, GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient(awsClientConfig(globals));
  const configuration = await client
    .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
    .catch(() => undefined);
  return configuration?.Environment?.Variables?.SIGNALWIRE_SECRET_ID || undefined;
};

export const command = defineCommand({ ...spec, examples: [...spec.examples] }, async (context) => {
  const kind = targetKind(context.globals);
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    if (context.output === 'table') {
      const mark = check.ok ? context.style.green('PASS') : context.style.red('FAIL');
      context.print(`${mark}  ${check.name.padEnd(16)} ${visible(check.detail)}`);
      if (!check.ok && check.hint)
        context.print(`      ${context.style.dim(`next: ${visible(check.hint)}`)}`);
    }
  };

  // Deployed: the secret the stack's functions read (their SIGNALWIRE_SECRET_ID), not --secret-id's default.
  let globals = context.globals;
  if (kind === 'deployed') {
    try {
      const stack = await describeDeployedStack(context.globals);
      const secretId = await functionSecretId(context.globals, stack.cleanupFunctionName);
      if (secretId) globals = { ...globals, secretId };
      const missing = stack.cleanupFunctionName ? [] : ['CleanupFunctionName'];
      add({
        name: 'stack outputs',
        ok: missing.length === 0,
        detail:
          missing.length === 0
            ? `${echo(stack.name)} (${echo(stack.region)}): ApiUrl ${stack.apiUrl}`
            : `${echo(stack.name)} lacks ${missing.join(', ')}`,
        hint: 'Redeploy with `npx cdk deploy`.',
      });
    } catch (error) {
      add({
        name: 'stack outputs',
        ok: false,
        detail: messageOf(error),
        hint: error instanceof CliError ? hintText(error.hint, context.command) : undefined,
      });
    }
  } else if (kind === 'local') {
    try {
      const state = readLocalState(context.globals.port, context.globals.portGiven);
      await (await openCalls(context.globals)).listPage({ pageSize: 1 });
      add({ name: 'local stack', ok: true, detail: `${state.apiUrl} answers signed requests` });
    } catch (error) {
      add({
        name: 'local stack',
        ok: false,
        detail: messageOf(error),
        hint: error instanceof CliError ? hintText(error.hint, context.command) : undefined,
      });
    }
  }

  let access: SignalWireAccess | undefined;
  let project: ProjectCredentials | undefined;
  try {
    access = await openSignalWire(globals);
    const { parseSecret } = await import('#commons/signalwire/credentials');
    const secret = parseSecret(await access.readSecret(), { allowedLocalOrigin: access.allowedLocalOrigin });
    project = secret.projects.get(secret.defaultProjectId);
    add({
      name: 'secret',
      ok: true,
      detail: `${kind === 'local' ? '' : `${echo(globals.secretId)}: `}${secret.projects.size} project(s); default ${secret.defaultProjectId}`,
    });
  } catch (error) {
    add({
      name: 'secret',
      ok: false,
      detail:
        // A read failure names the secret itself; other failures get its name in front.
        kind === 'local' || (error instanceof CliError && error.code === 'SECRET_UNREADABLE')
          ? messageOf(error)
          : `${echo(globals.secretId)}: ${messageOf(error)}`,
      hint:
        error instanceof CliError && error.hint
          ? hintText(error.hint, context.command)
          : 'Fix the secret: {"projectId","apiToken","spaceUrl","signingKey"} (README, "The secret"); --secret-id names it.',
    });
  }

  if (project && access) await checkSignalWire(add, access, project);

  if (context.output !== 'table')
    printJson(context, { ok: checks.every((check) => check.ok), checks }, checks);
  return checks.every((check) => check.ok) ? EXIT.ok : EXIT.failed;
});

/** The checks that need the secret: host, token (one-call List Calls), signing key, clock against SignalWire's. */
const checkSignalWire = async (
  add: (check: Check) => void,
  access: SignalWireAccess,
  project: ProjectCredentials,
): Promise<void> => {
  add({ name: 'SignalWire host', ok: true, detail: project.spaceOrigin });
  try {
    const page = await access.calls.listCallsPage({ PageSize: 1 });
    add({
      name: 'API token',
      ok: true,
      detail: `accepted (List Calls answered, ${page.calls.length} call on the first page)`,
    });
  } catch (error) {
    const { describeError } = await import('#commons/errors');
    const described = describeError(error, { operation: 'list' });
    add({
      name: 'API token',
      ok: false,
      detail: `${described.code}: ${described.message}`,
      hint:
        described.code === 'UPSTREAM_AUTH_FAILED'
          ? 'Put a valid API token in the secret (SignalWire space > API).'
          : 'Check the space URL and the network.',
    });
  }
  add({
    name: 'signing key',
    ok: project.signingKey !== undefined,
    detail: project.signingKey !== undefined ? 'present' : 'missing: status callbacks cannot be verified',
    hint: 'Add "signingKey" (SignalWire space > API > Signing Key) to the secret.',
  });
  try {
    const before = Date.now();
    const answer = await fetch(project.spaceOrigin, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    const after = Date.now();
    const date = Date.parse(answer.headers.get('date') ?? '');
    if (Number.isNaN(date)) throw new Error('SignalWire sent no Date header');
    // The Date header has whole seconds: compare with the middle of the round trip, allow one second.
    const skew = Math.round(((before + after) / 2 - date) / 1000);
    add({
      name: 'clock skew',
      ok: Math.abs(skew) <= MAX_SKEW_SECONDS,
      detail: `${skew >= 0 ? '+' : ''}${skew} s against SignalWire's clock`,
      hint: 'Sync this machine’s clock (timedatectl set-ntp true): SigV4 fails past 5 minutes.',
    });
  } catch (error) {
    add({
      name: 'clock skew',
      ok: false,
      detail: `could not read SignalWire's clock: ${messageOf(error)}`,
    });
  }
};
