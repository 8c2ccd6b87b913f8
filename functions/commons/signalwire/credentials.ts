import { hkdfSync } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AccountNotConfiguredError, CredentialsError } from '../errors.ts';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';
import { ENV } from '../platform/settings.ts';
import { canonicalSid, isSid } from './sids.ts';

/** One SignalWire project's credentials, as the functions use them. */
export interface ProjectCredentials {
  projectId: string;
  apiToken: string;
  /** `https://{space}.signalwire.com`, or the explicitly allowed local emulator origin. */
  spaceOrigin: string;
  /** Signing key for status-callback signatures, when the secret holds one. */
  signingKey: string | undefined;
}

/**
 * A 32-byte key for `purpose` derived from a project's API token with HKDF-SHA256 (salt: the project id): the
 * same in every instance, revealing nothing of the token, and changed when the token is rotated.
 */
export const projectKeyOf = (
  credentials: Pick<ProjectCredentials, 'apiToken' | 'projectId'>,
  purpose: string,
): Buffer => Buffer.from(hkdfSync('sha256', credentials.apiToken, credentials.projectId, purpose, 32));

/** The secret, parsed: one or several projects and the one used when a request names none. */
export interface SignalWireSecret {
  defaultProjectId: string;
  projects: ReadonlyMap<string, ProjectCredentials>;
}

export interface ParseSecretOptions {
  /**
   * An exact origin (e.g. `http://127.0.0.1:8788`) a secret may point at besides `*.signalwire.com`: the local
   * emulator. Only loopback origins are accepted here, and only when configured explicitly.
   */
  allowedLocalOrigin?: string | undefined;
}

const SPACE_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.signalwire\.com$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates the local origin setting itself: a loopback `http(s)://host:port` and nothing more, so a
 * misconfigured deployment cannot use it to send the token to an arbitrary host.
 */
export const parseLocalOrigin = (value: string | undefined): string | undefined => {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CredentialsError(`${ENV.signalWireLocalSpaceOrigin} is not a URL`, false);
  }
  if (!LOOPBACK_HOSTS.has(url.hostname) || url.origin !== value.replace(/\/$/, '')) {
    throw new CredentialsError(
      `${ENV.signalWireLocalSpaceOrigin} must be a loopback origin such as http://127.0.0.1:8788`,
      false,
    );
  }
  return url.origin;
};

/**
 * The Space URL must name a SignalWire space, so that a tampered secret cannot send the API token to
 * another host. Accepts `example.signalwire.com` or `https://example.signalwire.com[/]`.
 */
export const toSpaceOrigin = (spaceUrl: string, where: string, options: ParseSecretOptions): string => {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(spaceUrl) ? spaceUrl : `https://${spaceUrl}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new CredentialsError(`${where}.spaceUrl is not a valid host or URL`, false);
  }
  if (options.allowedLocalOrigin && url.origin === options.allowedLocalOrigin) return url.origin;
  const clean =
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    // An http(s) URL's path is never empty: it is `/` at least.
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '';
  if (!clean || !SPACE_HOST.test(url.hostname)) {
    throw new CredentialsError(
      `${where}.spaceUrl must be a SignalWire space host such as example.signalwire.com (https, no port or path)`,
      false,
    );
  }
  return url.origin;
};

const readProject = (
  projectId: string,
  value: unknown,
  where: string,
  options: ParseSecretOptions,
): ProjectCredentials => {
  if (!isRecord(value)) throw new CredentialsError(`${where} must be an object`, false);
  if (!isSid(projectId)) throw new CredentialsError(`${where}: the project ID must be a UUID`, false);
  const { apiToken, spaceUrl, signingKey } = value;
  if (typeof apiToken !== 'string' || apiToken.length === 0) {
    throw new CredentialsError(`${where}.apiToken is missing or not a string`, false);
  }
  if (typeof spaceUrl !== 'string' || spaceUrl.length === 0) {
    throw new CredentialsError(`${where}.spaceUrl is missing or not a string`, false);
  }
  if (signingKey !== undefined && (typeof signingKey !== 'string' || signingKey.length === 0)) {
    throw new CredentialsError(`${where}.signingKey must be a non-empty string when present`, false);
  }
  // A pasted newline or space would be sent as part of the token (every request 401) or the key (every
  // callback's signature refused): said here, naming the field, instead of as SignalWire's refusal.
  for (const [field, text] of [
    ['apiToken', apiToken],
    ['signingKey', signingKey],
  ] as const) {
    if (text !== undefined && text.trim() !== text) {
      throw new CredentialsError(
        `${where}.${field} has whitespace at its start or end (a pasted newline?)`,
        false,
      );
    }
  }
  return {
    projectId: canonicalSid(projectId),
    apiToken,
    spaceOrigin: toSpaceOrigin(spaceUrl, where, options),
    signingKey,
  };
};

/**
 * Parses the secret's JSON. Two shapes (README, "The secret"):
 * - one project: `{ "projectId", "apiToken", "spaceUrl", "signingKey"? }`
 * - several: `{ "defaultProjectId"?, "projects": { "<projectId>": { "apiToken", "spaceUrl", "signingKey"? } } }`
 *
 * Errors name the field that is wrong, never a value.
 */
export const parseSecret = (text: string, options: ParseSecretOptions = {}): SignalWireSecret => {
  let json: unknown;
  try {
    // A file saved with a byte order mark (Windows editors, PowerShell's utf8) keeps it in the secret.
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new CredentialsError('the SignalWire secret is not valid JSON', false);
  }
  if (!isRecord(json)) throw new CredentialsError('the SignalWire secret must be a JSON object', false);

  if (json.projects === undefined) {
    const { projectId } = json;
    if (typeof projectId !== 'string') {
      throw new CredentialsError('the SignalWire secret needs "projectId" (or a "projects" map)', false);
    }
    const project = readProject(projectId, json, 'secret', options);
    return { defaultProjectId: project.projectId, projects: new Map([[project.projectId, project]]) };
  }

  if (!isRecord(json.projects) || Object.keys(json.projects).length === 0) {
    throw new CredentialsError('secret.projects must be a non-empty object keyed by project ID', false);
  }
  const projects = new Map<string, ProjectCredentials>();
  for (const [projectId, value] of Object.entries(json.projects)) {
    const project = readProject(projectId, value, `secret.projects["${projectId}"]`, options);
    // IDs are case-insensitive: two spellings of one would leave which token is used to the key order.
    if (projects.has(project.projectId)) {
      throw new CredentialsError(`secret.projects names project ${project.projectId} twice`, false);
    }
    projects.set(project.projectId, project);
  }
  const named = json.defaultProjectId;
  if (named !== undefined && typeof named !== 'string') {
    throw new CredentialsError('secret.defaultProjectId must be a string', false);
  }
  const defaultProjectId =
    (named === undefined ? undefined : canonicalSid(named)) ??
    (projects.size === 1 ? [...projects.keys()][0] : undefined);
  if (!defaultProjectId || !projects.has(defaultProjectId)) {
    throw new CredentialsError(
      'secret.defaultProjectId must name one of secret.projects (required when there are several)',
      false,
    );
  }
  return { defaultProjectId, projects };
};

/** Where the secret comes from: Secrets Manager in production, anything in a unit test. */
export interface SecretSource {
  /** The secret's current text; `refresh` bypasses any cache. */
  read(refresh: boolean): Promise<string>;
}

/**
 * AWS error names meaning "try again later" rather than "fix the configuration": the AWS SDK's own throttling and
 * transient codes (`@smithy/service-error-classification`), spelled as the services and proxies send them.
 */
const TRANSIENT_AWS_ERRORS = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'InternalServiceError',
  'InternalServiceErrorException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailableException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TimeoutError',
  'TooManyRequestsException',
]);

/**
 * AWS error names without the `Exception` suffix that still mean "fix the configuration": a KMS key the role
 * may not use (`DecryptionFailure`), a denied or unsigned request. Retrying these only delays the operator.
 */
const CONFIGURATION_AWS_ERRORS = new Set([
  'DecryptionFailure',
  'AccessDenied',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'NotAuthorized',
  'OptInRequired',
]);

interface AwsFailure {
  name: string;
  fault: unknown;
  /** The HTTP status AWS answered (the SDK's `$metadata.httpStatusCode`), none when there was no answer. */
  status: number | undefined;
}

const awsErrorOf = (error: unknown): AwsFailure => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  // Stryker disable next-line ConditionalExpression,ObjectLiteral,StringLiteral: equivalent, the provider rejects with an Error only (Powertools' BaseProvider wraps every failure in a GetParameterError)
  if (!(cause instanceof Error)) return { name: 'UnknownError', fault: undefined, status: undefined };
  const { $fault, $metadata } = cause as { $fault?: unknown; $metadata?: { httpStatusCode?: number } };
  return { name: cause.name, fault: $fault, status: $metadata?.httpStatusCode };
};

/**
 * Transient: a throttling or transient name, an answer AWS gave as its own fault (a 5xx) or as "too many
 * requests" (a 429, whatever its body names), or no answer at all (a network failure: no `Exception` name, no
 * client fault). Anything else AWS refused as the caller's fault is configuration.
 */
const isTransientAwsError = ({ name, fault, status }: AwsFailure): boolean =>
  TRANSIENT_AWS_ERRORS.has(name) ||
  fault === 'server' ||
  status === 429 ||
  (status ?? 0) >= 500 ||
  (fault !== 'client' && !name.endsWith('Exception') && !CONFIGURATION_AWS_ERRORS.has(name));

/**
 * Reads the secret with the Powertools Parameters provider over `@aws-sdk/client-secrets-manager`, which
 * caches it for `maxAgeSeconds` per warm container. The SDK client honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
 * which is how the local stand-in is reached.
 */
export class SecretsManagerSource implements SecretSource {
  private readonly provider: SecretsProvider;
  /** The provider's cache key of the secret (`[name, transform]`, no transform). */
  private readonly cacheKey: string;
  /** What the provider last answered: what its cache holds for the secret while that entry is fresh. */
  private last: unknown;

  constructor(
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
    client: SecretsManagerClient = new SecretsManagerClient(sdkClientDefaults()),
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
    this.cacheKey = [secretId, undefined].toString();
  }

  read(refresh: boolean): Promise<string> {
    // A warm invocation's read: the provider's own cache check, without its options object, key and async frame.
    // Only this source reads the secret through its provider, so a fresh entry holds the text it last answered.
    if (!refresh && typeof this.last === 'string' && !this.provider.hasKeyExpiredInCache(this.cacheKey)) {
      return Promise.resolve(this.last);
    }
    return this.fetch(refresh);
  }

  private async fetch(refresh: boolean): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds, forceFetch: refresh });
    } catch (error) {
      const failure = awsErrorOf(error);
      throw new CredentialsError(
        `could not read the SignalWire secret "${this.secretId}" from Secrets Manager (${failure.name})`,
        isTransientAwsError(failure),
      );
    }
    // A binary secret too: the text answered before is no longer what the provider's cache holds.
    this.last = value;
    if (typeof value !== 'string') {
      throw new CredentialsError(`the SignalWire secret "${this.secretId}" has no SecretString`, false);
    }
    return value;
  }
}

/**
 * The credentials of every configured project, parsed once per secret version. On a 401 from SignalWire the
 * caller asks for a refresh: the secret is read again (the token may have been rotated).
 */
export class CredentialsStore {
  private parsed: { text: string; secret: SignalWireSecret } | undefined;

  constructor(
    private readonly source: SecretSource,
    private readonly options: ParseSecretOptions = {},
  ) {}

  /** The credentials for `accountSid`, or for the default project when it is not given. */
  async get(accountSid?: string, refresh = false): Promise<ProjectCredentials> {
    const text = await this.source.read(refresh);
    // Stryker disable next-line ConditionalExpression: parsing the same text again gives the same credentials
    if (this.parsed?.text !== text) this.parsed = { text, secret: parseSecret(text, this.options) };
    const { secret } = this.parsed;
    const projectId = accountSid === undefined ? secret.defaultProjectId : canonicalSid(accountSid);
    const project = secret.projects.get(projectId);
    if (!project) throw new AccountNotConfiguredError(projectId);
    return project;
  }
}
