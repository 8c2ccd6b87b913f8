import { CliError, EXIT } from './errors.ts';
import { proxyRefusalOf, proxyRefusedError } from './proxy.ts';
import { echo, echoWords } from './safe-text.ts';
import { shellWord } from './shell-word.ts';
import type { TargetKind } from './targets.ts';

/** Reading the SignalWire secret failed: the AWS SDK's error (never the secret) is the cause. */
export class SecretReadError extends Error {
  override readonly name = 'SecretReadError';

  constructor(
    readonly secretId: string,
    /** Undefined when no AWS region is configured at all (nothing was sent). */
    cause: unknown,
  ) {
    super(`could not read the SignalWire secret "${echo(secretId)}"`, { cause });
  }
}

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'DecryptionFailure',
  'KMSAccessDeniedException',
]);

/**
 * Why the SignalWire secret could not be read, with what to do: the AWS SDK's error classified by its type
 * (no region, no credentials, no such secret, access denied), never the secret's content.
 */
export const secretReadFailure = (failure: SecretReadError, kind: TargetKind): CliError => {
  const { cause } = failure;
  const secretId = echo(failure.secretId);
  const fail = (what: string, hint: string) =>
    new CliError(
      `could not read the SignalWire secret "${secretId}": ${what}`,
      hint,
      EXIT.failed,
      'SECRET_UNREADABLE',
      {
        cause,
      },
    );
  if (cause === undefined) {
    return fail(
      'no AWS region is set',
      'Set AWS_REGION (or a region in your AWS profile), or pass --region.',
    );
  }
  const refusal = proxyRefusalOf(cause);
  if (refusal)
    return proxyRefusedError(refusal, `reading the SignalWire secret "${secretId}"`, 'AWS (.amazonaws.com)');
  const name = cause instanceof Error ? cause.name : 'Error';
  const message = echoWords(cause instanceof Error ? cause.message : String(cause));
  if (name === 'CredentialsProviderError') {
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
  if (ACCESS_DENIED.has(name)) {
    return fail(
      `access denied (${name})`,
      `Your AWS identity needs secretsmanager:GetSecretValue on "${secretId}" (and kms:Decrypt on its key, if it has a customer-managed one).`,
    );
  }
  if (name === 'InvalidRequestException') {
    // What Secrets Manager answers for a secret scheduled for deletion (and other states it will not read in).
    return fail(
      `Secrets Manager refuses to read it (${name}: ${message})`,
      // A line to type holds the name itself, or none: a name cut or escaped, typed back, is another secret.
      secretId === failure.secretId
        ? `If the secret is scheduled for deletion, restore it: \`aws secretsmanager restore-secret --secret-id ${shellWord(secretId)}\`.`
        : 'If the secret is scheduled for deletion, restore it (aws secretsmanager restore-secret, with its --secret-id).',
    );
  }
  return fail(
    `${name}: ${message}`,
    'Check --region / --profile and your network; `call-control doctor` checks the setup.',
  );
};
