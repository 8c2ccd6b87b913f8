import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './errors.ts';
import type { GlobalOptions } from './options.ts';
import { environmentProxyOn, proxyInUse, proxyRefusalOf, proxyRefusedError } from './proxy.ts';
import { echo, echoWords } from './safe-text.ts';

let proxyAgents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | undefined;

/**
 * AWS SDK client settings from the user's standard configuration, narrowed by --profile / --region. Through
 * the proxy the environment names when {@link environmentProxyOn}: the SDK makes agents of its own, which
 * Node's switch does not reach, so they are given agents that read the proxy variables.
 */
export const awsClientConfig = (options: Pick<GlobalOptions, 'profile' | 'region'>) => {
  if (environmentProxyOn())
    proxyAgents ??= {
      httpAgent: new HttpAgent({ keepAlive: true, proxyEnv: process.env }),
      httpsAgent: new HttpsAgent({ keepAlive: true, proxyEnv: process.env }),
    };
  return {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(environmentProxyOn() && proxyAgents ? { requestHandler: proxyAgents } : {}),
  };
};

const sections = (file: string): string[] =>
  existsSync(file)
    ? [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((match) => match[1]!)
    : [];

/**
 * Refuses a `--profile` (or AWS_PROFILE) that neither ~/.aws/config nor ~/.aws/credentials defines, naming it:
 * the SDK would only say it found no credentials.
 */
export const checkProfile = (options: Pick<GlobalOptions, 'profile'>): void => {
  const profile = options.profile ?? process.env.AWS_PROFILE;
  if (!profile) return;
  const config = process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  const credentials = process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const known = new Set([
    ...sections(config).map((name) => name.replace(/^profile\s+/, '')),
    ...sections(credentials),
  ]);
  if (known.has(profile)) return;
  throw new CliError(
    `AWS profile "${echo(profile)}" does not exist (not in ${echo(config)} nor ${echo(credentials)})`,
    known.size > 0
      ? `Known profiles: ${[...known].map(echo).join(', ')}; pass one to --profile (or AWS_PROFILE).`
      : `Create it with \`aws configure --profile NAME\` (or \`aws configure sso\`), or ${options.profile ? 'leave out --profile' : 'unset AWS_PROFILE'}.`,
    1,
    'AWS_PROFILE_NOT_FOUND',
  );
};

/** Node's and the SDK's names for "the endpoint could not be reached". */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError']);
const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'TokenRefreshRequired',
  'SSOTokenProviderFailure',
]);

/** True when `error` (or its cause) is a failure to reach the network endpoint at all. */
export const isNetworkError = (error: unknown): boolean => {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if ((code && NETWORK_CODES.has(code)) || NETWORK_NAMES.has(current.name)) return true;
    current = current.cause;
  }
  return false;
};

/** An AWS SDK failure, classified by its type, with what to do about it. */
export const awsFailure = (
  what: string,
  error: unknown,
  options?: Pick<GlobalOptions, 'profile' | 'region'>,
): CliError => {
  const name = error instanceof Error ? error.name : 'Error';
  const message = echoWords(error instanceof Error ? error.message : String(error));
  const where = [
    `region ${echo(options?.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || '(the profile’s)')}`,
    `profile ${echo(options?.profile || process.env.AWS_PROFILE || 'default')}`,
  ].join(', ');
  // The SDK's "Region is missing" names neither the flag nor the variable that would fix it.
  if (/^Region is missing\b/.test(message)) {
    return new CliError(
      `${what} failed: no AWS region (neither --region, AWS_REGION, AWS_DEFAULT_REGION nor profile ${echo(options?.profile || process.env.AWS_PROFILE || 'default')} names one)`,
      'Pass --region (e.g. --region us-east-1), set AWS_REGION, or add `region = …` to the profile in ~/.aws/config.',
      1,
      'AWS_REGION_MISSING',
      { cause: error },
    );
  }
  // A proxy that wants credentials or refuses the tunnel is the proxy's doing, not the role's nor the network's.
  const refusal = proxyRefusalOf(error);
  if (refusal) return proxyRefusedError(refusal, what, 'AWS (.amazonaws.com)');
  if (isNetworkError(error)) {
    return new CliError(
      `${what} failed: AWS could not be reached (${name}: ${message})`,
      `Check the network${proxyInUse() ? `, the proxy ${proxyInUse()} (NO_PROXY lists the hosts that bypass it)` : ''}, and --region / --profile (${where}): a mistyped region has no endpoint.`,
      1,
      'AWS_UNREACHABLE',
      { cause: error },
    );
  }
  return new CliError(
    `${what} failed: ${name}: ${message}`,
    CREDENTIAL_NAMES.has(name)
      ? 'Refresh your AWS credentials (`aws sso login`, AWS_PROFILE or --profile), then run it again.'
      : (command) =>
          `Check --region / --profile (${where}), and that your role may do this; \`${command('doctor')}\` checks the setup.`,
    1,
    'AWS_FAILED',
    { cause: error },
  );
};
