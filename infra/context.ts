import { resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import type { CallControlApiAuth, CallControlThrottle } from './api.ts';
import { type CallControlLogLevel, LOG_LEVELS } from './call-control-function.ts';
import type { CallControlProps } from './props.ts';
import type { CleanupScheduleProps } from './schedules.ts';

/**
 * What the stack reads from CDK context (cdk.json or `-c key=value`). Values from cdk.json arrive as JSON
 * values, values from the command line as strings, so every reader accepts both.
 */
export interface CallControlContext {
  /** Construct props that come straight from context (everything but the KMS key and the alarm topic). */
  readonly props: Omit<CallControlProps, 'secretKmsKey' | 'alarmTopic'>;
  /** ARN of the customer-managed key of the secret (context `secretKmsKeyArn`). */
  readonly secretKmsKeyArn?: string;
  /** Address subscribed to the alarm topic (context `alarmEmail`); no topic without it. */
  readonly alarmEmail?: string;
}

const REMOVAL_POLICIES = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;
const isRemovalPolicyName = (value: string): value is keyof typeof REMOVAL_POLICIES =>
  value in REMOVAL_POLICIES;

/** Reads and checks every context key of the stack; an invalid value fails the synth with the key's name. */
export const readCallControlContext = (node: Node): CallControlContext => {
  const read = new ContextReader(node);
  const eventSources = read.list('eventSources');
  const retentionDays = read.integer('logRetentionDays');
  const logLevel = read.string('logLevel')?.toUpperCase();
  const removalPolicy = read.string('removalPolicy')?.toLowerCase();
  const bundling = read.string('bundling')?.toLowerCase();

  if (retentionDays !== undefined && !Object.values(RetentionDays).includes(retentionDays)) {
    throw new Error(`context logRetentionDays: ${retentionDays} is not a CloudWatch Logs retention period`);
  }
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as CallControlLogLevel)) {
    throw new Error(
      `context logLevel must be one of ${LOG_LEVELS.join(', ')} (audit records are INFO lines; a quieter level would drop them)`,
    );
  }
  if (removalPolicy !== undefined && !isRemovalPolicyName(removalPolicy)) {
    throw new Error('context removalPolicy must be "retain" or "destroy"');
  }
  if (bundling !== undefined && bundling !== 'prebuilt' && bundling !== 'source') {
    throw new Error('context bundling must be "prebuilt" or "source"');
  }

  return {
    props: {
      secretName: read.string('secretName'),
      secretArn: read.string('secretArn'),
      apiAuth: readApiAuth(read),
      apiThrottle: readThrottle(read, 'apiThrottle'),
      webhookThrottle: readThrottle(read, 'webhookThrottle'),
      existingEventBusName: read.string('eventBusName'),
      existingEventBusArn: read.string('eventBusArn'),
      callUpdateEvents:
        eventSources && eventSources.length > 0 ? { allowedSources: eventSources } : undefined,
      cleanupSchedules: read.json('cleanupSchedules', isScheduleList),
      cleanupDefaultPolicy: read.json('cleanupDefaultPolicy', isRecord),
      cleanupConcurrency: read.integer('cleanupConcurrency'),
      cleanupMaxEndsPerSecond: read.integer('cleanupMaxEndsPerSecond'),
      cleanupTimeMargin: milliseconds(read.integer('cleanupTimeMarginMs')),
      logRetention: retentionDays as RetentionDays | undefined,
      logLevel: logLevel as CallControlLogLevel | undefined,
      tracing: read.boolean('tracing'),
      powertoolsTracer: read.boolean('powertoolsTracer'),
      removalPolicy: removalPolicy === undefined ? undefined : REMOVAL_POLICIES[removalPolicy],
      metricsNamespace: read.string('metricsNamespace'),
      schemasDirectory: read.path('schemasDirectory'),
      webhookPublicBaseUrl: read.string('webhookPublicBaseUrl'),
      secretCacheTtl: seconds(read.integer('secretCacheTtlSeconds')),
      signalWireTimeout: milliseconds(read.integer('signalWireTimeoutMs')),
      eventSource: read.string('eventSource'),
      console: read.boolean('console')
        ? {
            ...(read.string('consoleDomainPrefix')
              ? { domainPrefix: read.string('consoleDomainPrefix') }
              : {}),
          }
        : undefined,
      bundling,
    },
    secretKmsKeyArn: read.string('secretKmsKeyArn'),
    alarmEmail: read.string('alarmEmail'),
  };
};

const readApiAuth = (read: ContextReader): CallControlApiAuth | undefined => {
  const mode = read.string('authMode')?.toLowerCase();
  if (mode === undefined) {
    return undefined;
  }
  if (mode === 'iam') {
    return { type: 'iam' };
  }
  if (mode !== 'jwt') {
    throw new Error('context authMode must be "iam" or "jwt"');
  }
  const issuer = read.string('jwtIssuer');
  const audience = read.list('jwtAudience');
  if (issuer === undefined || audience === undefined || audience.length === 0) {
    throw new Error('context authMode "jwt" needs jwtIssuer and jwtAudience');
  }
  return {
    type: 'jwt',
    issuer,
    audience,
    scopes: read.list('jwtScopes'),
    readScopes: read.list('jwtReadScopes'),
    writeScopes: read.list('jwtWriteScopes'),
  };
};

const readThrottle = (read: ContextReader, prefix: string): CallControlThrottle | undefined => {
  const rateLimit = read.number(`${prefix}RateLimit`);
  const burstLimit = read.integer(`${prefix}BurstLimit`);
  if (rateLimit === undefined && burstLimit === undefined) {
    return undefined;
  }
  if (rateLimit === undefined || burstLimit === undefined) {
    throw new Error(`context ${prefix}RateLimit and ${prefix}BurstLimit go together`);
  }
  return { rateLimit, burstLimit };
};

const seconds = (value: number | undefined): Duration | undefined =>
  value === undefined ? undefined : Duration.seconds(value);
const milliseconds = (value: number | undefined): Duration | undefined =>
  value === undefined ? undefined : Duration.millis(value);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScheduleList = (value: unknown): value is CleanupScheduleProps[] =>
  Array.isArray(value) &&
  value.every(
    (item) =>
      isRecord(item) &&
      typeof item.name === 'string' &&
      isRecord(item.policy) &&
      (item.schedule === undefined || typeof item.schedule === 'string') &&
      (item.enabled === undefined || typeof item.enabled === 'boolean'),
  );

/** Typed access to context values; an empty string counts as unset so `-c key=` clears a cdk.json value. */
class ContextReader {
  constructor(private readonly node: Node) {}

  private raw(key: string): unknown {
    const value: unknown = this.node.tryGetContext(key);
    return value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'string') {
      return value?.trim();
    }
    throw new Error(`context ${key} must be a string`);
  }

  /** A file system path; a relative one is taken from the directory `cdk` runs in. */
  path(key: string): string | undefined {
    const value = this.string(key);
    return value === undefined ? undefined : resolve(value);
  }

  number(key: string): number | undefined {
    const value = this.raw(key);
    const parsed = typeof value === 'string' ? Number(value) : value;
    if (parsed === undefined || (typeof parsed === 'number' && Number.isFinite(parsed))) {
      return parsed;
    }
    throw new Error(`context ${key} must be a number`);
  }

  integer(key: string): number | undefined {
    const value = this.number(key);
    if (value !== undefined && !Number.isInteger(value)) {
      throw new Error(`context ${key} must be an integer`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'boolean') {
      return value;
    }
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    throw new Error(`context ${key} must be true or false`);
  }

  /** A JSON array of strings, or a comma-separated string. */
  list(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    const items =
      typeof value === 'string' && !value.trim().startsWith('[') ? value.split(',') : parseJson(key, value);
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
      throw new Error(`context ${key} must be a list of strings (JSON array or comma-separated)`);
    }
    return items.map((item) => item.trim()).filter((item) => item !== '');
  }

  /** A JSON value (or a string holding one) that passes `guard`. */
  json<T>(key: string, guard: (value: unknown) => value is T): T | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    const parsed = parseJson(key, value);
    if (!guard(parsed)) {
      throw new Error(`context ${key} does not have the expected shape (see docs/deploy.md)`);
    }
    return parsed;
  }
}

const parseJson = (key: string, value: unknown): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`context ${key} is not valid JSON`, { cause: error });
  }
};
