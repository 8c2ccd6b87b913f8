import { Duration, Stack, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parsePolicyInput } from '../functions/commons/cleanup/policy.ts';
import { shortestIdempotencyTtl } from '../functions/commons/platform/freshness.ts';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  EVENTS_FUNCTION_MARGIN_MS,
  EVENTS_FUNCTION_TIMEOUT_SECONDS,
  inRange,
  REMEMBERED_SECONDS,
  SECRET_CACHE_TTL_SECONDS,
  SIGNALWIRE_TIMEOUT_MS,
} from '../functions/commons/platform/settings.ts';
import { type CallControlLogLevel, checkRuntime, LOG_LEVELS } from './call-control-function.ts';
import { DEFAULT_EVENT_SOURCE } from './event-contract.ts';
import { checkMetricsInstance, checkMetricsNamespace } from './metrics.ts';
import type { CallControlProps } from './props.ts';
import { checkedPolicy } from './schedules.ts';

/** Timeout of the function applying "Call Update Requested" events. */
export const EVENTS_FUNCTION_TIMEOUT = Duration.seconds(EVENTS_FUNCTION_TIMEOUT_SECONDS);

/** Rejects inconsistent props at synth time, where the message can still name the prop. */
export const validateProps = (props: CallControlProps, scope: Construct): void => {
  checkSameRegion(scope, 'secretArn', props.secretArn, "replicate the secret to the stack's region");
  checkSameRegion(
    scope,
    'existingEventBusArn',
    props.existingEventBusArn,
    "the bus must be in the stack's region",
  );
  checkBusEnvironment(scope, props);
  const given = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';
  const baseUrl = props.webhookPublicBaseUrl;
  if (baseUrl !== undefined && !Token.isUnresolved(baseUrl) && !/^https?:\/\/[^?#\s]+$/.test(baseUrl)) {
    throw new Error(`webhookPublicBaseUrl must be an http(s) URL without query string, got "${baseUrl}"`);
  }
  if (given(props.secretName) === given(props.secretArn)) {
    throw new Error('CallControl needs exactly one of secretName and secretArn');
  }
  checkSecret(props);
  const replayWindow = wholeSeconds('callbackReplayWindow', props.callbackReplayWindow);
  if (
    replayWindow !== undefined &&
    !(replayWindow >= REMEMBERED_SECONDS.min && replayWindow <= REMEMBERED_SECONDS.max)
  ) {
    throw new Error('callbackReplayWindow must be between 1 minute and 30 days');
  }
  checkPlatformProps(props);
  checkApiAuth(props.apiAuth);
  for (const [name, throttle] of [
    ['apiThrottle', props.apiThrottle],
    ['webhookThrottle', props.webhookThrottle],
  ] as const) {
    // A token (a parameter) is API Gateway's to check at deploy time.
    const rateOk = (rate: number) => Token.isUnresolved(rate) || (Number.isFinite(rate) && rate > 0);
    const burstOk = (burst: number) => Token.isUnresolved(burst) || (Number.isInteger(burst) && burst > 0);
    if (throttle && !(rateOk(throttle.rateLimit) && burstOk(throttle.burstLimit))) {
      throw new Error(`${name} needs a finite positive rateLimit and a positive integer burstLimit`);
    }
  }
  const eventSource = props.eventSource;
  if (eventSource !== undefined && !Token.isUnresolved(eventSource) && !isEventSource(eventSource)) {
    throw new Error(
      `eventSource must be 1 to 256 characters without spaces and must not start with "aws.", got "${eventSource}"`,
    );
  }
  if (props.callUpdateEvents) checkCallUpdateEvents(props, props.callUpdateEvents, eventSource);
  const concurrency = props.cleanupConcurrency;
  if (
    concurrency !== undefined &&
    !Token.isUnresolved(concurrency) &&
    !inRange(CLEANUP_CONCURRENCY, concurrency)
  ) {
    throw new Error(
      `cleanupConcurrency must be an integer from ${CLEANUP_CONCURRENCY.min} to ${CLEANUP_CONCURRENCY.max} ` +
        '(the cleanup function refuses anything else at cold start)',
    );
  }
  if (props.cleanupDefaultPolicy !== undefined) {
    checkedPolicy(() => parsePolicyInput(props.cleanupDefaultPolicy, 'cleanupDefaultPolicy'));
  }
  const rate = props.cleanupMaxEndsPerSecond;
  if (rate !== undefined && !Token.isUnresolved(rate) && !inRange(CLEANUP_ENDS_PER_SECOND, rate)) {
    throw new Error(
      `cleanupMaxEndsPerSecond must be an integer from ${CLEANUP_ENDS_PER_SECOND.min} to ${CLEANUP_ENDS_PER_SECOND.max}`,
    );
  }
  const margin = knownMilliseconds('cleanupTimeMargin', props.cleanupTimeMargin);
  if (margin !== undefined && !inRange(CLEANUP_TIME_MARGIN_MS, margin)) {
    throw new Error('cleanupTimeMargin must be between 1 second and 4 minutes');
  }
  const secretTtl = wholeSeconds('secretCacheTtl', props.secretCacheTtl);
  if (secretTtl !== undefined && secretTtl > SECRET_CACHE_TTL_SECONDS.max) {
    throw new Error('secretCacheTtl must be at most 1 day');
  }
  const timeout = knownMilliseconds('signalWireTimeout', props.signalWireTimeout);
  if (timeout !== undefined && !inRange(SIGNALWIRE_TIMEOUT_MS, timeout)) {
    throw new Error('signalWireTimeout must be between 100 ms and 20 seconds');
  }
};

/** The event consumer's props, and the SignalWire timeout its redirects must fit in. */
const checkCallUpdateEvents = (
  props: CallControlProps,
  events: NonNullable<CallControlProps['callUpdateEvents']>,
  eventSource: string | undefined,
): void => {
  if (events.allowedSources.length === 0 || events.allowedSources.some((source) => source.trim() === '')) {
    throw new Error('callUpdateEvents.allowedSources needs at least one non-empty event source');
  }
  // PutEvents refuses a customer's "aws." source, and a source with spaces is no producer's: the rule would
  // wait for events nobody can send.
  const unusable = events.allowedSources.find(
    (source) => !Token.isUnresolved(source) && !isEventSource(source),
  );
  if (unusable !== undefined) {
    throw new Error(
      `callUpdateEvents.allowedSources: each must be 1 to 256 characters without spaces and must not start with "aws.", got "${unusable}"`,
    );
  }
  const ownSource = eventSource ?? DEFAULT_EVENT_SOURCE;
  if (events.allowedSources.includes(ownSource)) {
    throw new Error(
      `callUpdateEvents.allowedSources must not include eventSource "${ownSource}": the functions publish ` +
        'under it, producers must not',
    );
  }
  const retries = events.retryAttempts;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 2)) {
    throw new Error(
      'callUpdateEvents.retryAttempts must be 0, 1 or 2 (the limit of Lambda asynchronous retries)',
    );
  }
  const age = wholeSeconds('callUpdateEvents.maxEventAge', events.maxEventAge) ?? 3600;
  if (age < 60 || age > 6 * 3600) {
    throw new Error('callUpdateEvents.maxEventAge must be between 1 minute and 6 hours');
  }
  // A redirect's worst case (safety read, its one reconnect, the POST) must end before the function does;
  // otherwise the deadline cuts it and its outcome is reported unknown although SignalWire was merely slow.
  const perRequest = props.signalWireTimeout?.isUnresolved()
    ? undefined
    : (props.signalWireTimeout?.toMilliseconds() ?? SIGNALWIRE_TIMEOUT_MS.default);
  if (
    perRequest !== undefined &&
    3 * perRequest + EVENTS_FUNCTION_MARGIN_MS > EVENTS_FUNCTION_TIMEOUT.toMilliseconds()
  ) {
    throw new Error(
      `signalWireTimeout ${perRequest} ms is too long for callUpdateEvents: a redirect may take 3 requests ` +
        `(${3 * perRequest} ms) plus ${EVENTS_FUNCTION_MARGIN_MS} ms to record and publish, more than the event ` +
        `function's ${EVENTS_FUNCTION_TIMEOUT.toSeconds()} s timeout; use at most ` +
        `${Math.floor((EVENTS_FUNCTION_TIMEOUT.toMilliseconds() - EVENTS_FUNCTION_MARGIN_MS) / 3)} ms`,
    );
  }
  const ttl = wholeSeconds('callUpdateEvents.idempotencyTtl', events.idempotencyTtl);
  if (ttl !== undefined && ttl > REMEMBERED_SECONDS.max) {
    throw new Error('callUpdateEvents.idempotencyTtl must be at most 30 days');
  }
  const window = ttl ?? REMEMBERED_SECONDS.default;
  if (window < shortestIdempotencyTtl(age)) {
    throw new Error(
      `callUpdateEvents.idempotencyTtl ${window} s is too short: EventBridge and then ` +
        'Lambda each retry an event for up to maxEventAge, and an event older than idempotencyTtl less twice the ' +
        `clock tolerance is refused with EVENT_TOO_OLD; use at least ${shortestIdempotencyTtl(age)} s with ` +
        `maxEventAge ${age} s`,
    );
  }
};

/** The API's authorization as API Gateway takes it; a JavaScript app is not held to the union type. */
const checkApiAuth = (auth: CallControlProps['apiAuth']): void => {
  const type: unknown = auth?.type;
  if (auth === undefined || type === 'iam') return;
  if (auth.type !== 'jwt') {
    throw new Error(`apiAuth.type must be "iam" or "jwt", got ${JSON.stringify(type)}`);
  }
  if (!Token.isUnresolved(auth.issuer) && !/^https:\/\/\S+$/.test(auth.issuer)) {
    throw new Error(`apiAuth.issuer must be an https URL, got "${auth.issuer}"`);
  }
  if (auth.audience.length === 0 || auth.audience.some((audience) => audience.trim() === '')) {
    throw new Error('apiAuth.audience needs at least one non-empty value');
  }
  for (const name of ['scopes', 'readScopes', 'writeScopes'] as const) {
    const scopes = auth[name];
    // An empty list would turn the scope check off for those routes; a scope with a space can never match.
    if (scopes !== undefined && (scopes.length === 0 || scopes.some((scope) => !/^\S+$/.test(scope)))) {
      throw new Error(
        `apiAuth.${name} must list at least one scope, each without spaces (leave it out for ${
          name === 'scopes' ? 'no scope check' : 'scopes'
        }), got ${JSON.stringify(scopes)}`,
      );
    }
  }
};

/**
 * Refuses an ARN of another region than the stack's when both are known: the functions call Secrets Manager
 * and EventBridge in their own region, and the rule on the bus is created there, so such a resource would be
 * found only at run time, missing.
 */
const checkSameRegion = (scope: Construct, name: string, arn: string | undefined, remedy: string): void => {
  const stackRegion = Stack.of(scope).region;
  if (arn === undefined || Token.isUnresolved(arn) || Token.isUnresolved(stackRegion)) return;
  const region = arn.split(':')[3];
  if (region !== undefined && region !== '' && region !== stackRegion) {
    throw new Error(
      `${name} is in ${region} but the stack deploys to ${stackRegion}, where the functions look for it: ${remedy}`,
    );
  }
};

/**
 * Refuses a bus of another account (or, passed as an `IEventBus`, another region) than the stack's when both
 * are known: the functions publish to the bus by its name (`EVENT_BUS_NAME`), which PutEvents looks up in their
 * own account and region, so their events would go to a namesake bus there, or nowhere.
 */
const checkBusEnvironment = (scope: Construct, props: CallControlProps): void => {
  const stack = Stack.of(scope);
  const known = (value: string | undefined): value is string =>
    value !== undefined && value !== '' && !Token.isUnresolved(value);
  const refuse = (name: string, what: string, bus: string, own: string): void => {
    throw new Error(
      `${name} is in ${what} ${bus} but the stack deploys to ${own}, and the functions publish to the bus by ` +
        `name in their own ${what}: use a bus of the stack's ${what} (forward events to the other one with a rule)`,
    );
  };
  const { existingEventBus, existingEventBusArn } = props;
  if (existingEventBusArn !== undefined && !Token.isUnresolved(existingEventBusArn)) {
    const account = existingEventBusArn.split(':')[4];
    if (known(account) && known(stack.account) && account !== stack.account) {
      refuse('existingEventBusArn', 'account', account, stack.account);
    }
  }
  if (existingEventBus !== undefined) {
    const { account, region } = existingEventBus.env;
    if (known(account) && known(stack.account) && account !== stack.account) {
      refuse('existingEventBus', 'account', account, stack.account);
    }
    if (known(region) && known(stack.region) && region !== stack.region) {
      refuse('existingEventBus', 'region', region, stack.region);
    }
  }
};

/**
 * A duration the functions take in whole seconds. CDK's own error for a fraction ("'1500 millis' cannot be
 * converted into a whole number of seconds") names no prop. A token (a `CfnParameter`, an import) is only
 * known at deploy time: checked for its unit here, its value is the function's to check at cold start.
 */
const wholeSeconds = (name: string, duration: Duration | undefined): number | undefined => {
  if (duration === undefined) return undefined;
  if (duration.isUnresolved()) {
    durationIn(name, duration, 'seconds');
    return undefined;
  }
  const milliseconds = duration.toMilliseconds();
  if (milliseconds % 1000 !== 0) {
    throw new Error(`${name} must be a whole number of seconds, got ${milliseconds} ms`);
  }
  return milliseconds / 1000;
};

/** A duration in milliseconds for the synth-time checks: undefined for a token (see {@link wholeSeconds}). */
const knownMilliseconds = (name: string, duration: Duration | undefined): number | undefined => {
  if (duration === undefined) return undefined;
  if (duration.isUnresolved()) {
    durationIn(name, duration, 'millis');
    return undefined;
  }
  return duration.toMilliseconds();
};

/**
 * A Duration prop as the number of `unit`s a function's setting takes: a number token when the duration is
 * one. CDK cannot convert a token between units, and its error ("Duration must be specified as
 * 'Duration.millis()' here") names no prop.
 */
export const durationIn = (name: string, duration: Duration, unit: 'seconds' | 'millis'): number => {
  try {
    return unit === 'seconds' ? duration.toSeconds() : duration.toMilliseconds();
  } catch (error) {
    if (!duration.isUnresolved()) throw error;
    throw new Error(
      `${name} comes from a token (a parameter or an import), which CDK cannot convert between units: ` +
        `give it as Duration.${unit}(…), the unit the function takes, got Duration.${duration.unitLabel()}(…)`,
    );
  }
};

/** A number setting as an environment variable's value; a number token stays one. */
export const settingValue = (value: number): string =>
  Token.isUnresolved(value) ? Token.asString(value) : String(value);

/** A Duration prop (or its default) as the environment variable's value its function reads, in `unit`. */
export const durationSetting = (name: string, duration: Duration, unit: 'seconds' | 'millis'): string =>
  settingValue(durationIn(name, duration, unit));

/**
 * The secret's name or ARN as Secrets Manager takes them: a name it would refuse, or an ARN without the
 * six-character suffix (which CDK refuses naming its own `secretCompleteArn`), fails here naming the prop.
 */
const checkSecret = (props: CallControlProps): void => {
  const { secretName, secretArn } = props;
  if (
    secretName !== undefined &&
    !Token.isUnresolved(secretName) &&
    !/^[\w/+=.@-]{1,512}$/.test(secretName)
  ) {
    throw new Error(
      `secretName must be 1 to 512 letters, digits or "/_+=.@-" (Secrets Manager's rule), got "${secretName}"`,
    );
  }
  if (
    secretArn !== undefined &&
    !Token.isUnresolved(secretArn) &&
    !/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/.test(secretArn)
  ) {
    throw new Error(
      'secretArn must be the complete ARN of a secret, with the six-character suffix Secrets Manager ' +
        `adds to its name (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf), got "${secretArn}"`,
    );
  }
};

/** The props a platform team sets around the construct: the event bus, the metrics instance, the runtime. */
const checkPlatformProps = (props: CallControlProps): void => {
  const given = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';
  const buses = [
    props.existingEventBus !== undefined ? 'existingEventBus' : undefined,
    given(props.existingEventBusName) ? 'existingEventBusName' : undefined,
    given(props.existingEventBusArn) ? 'existingEventBusArn' : undefined,
  ].filter((name) => name !== undefined);
  if (buses.length > 1) {
    throw new Error(
      `CallControl takes one of existingEventBus, existingEventBusName and existingEventBusArn, got ${buses.join(' and ')}`,
    );
  }
  if (props.metricsInstance !== undefined) checkMetricsInstance(props.metricsInstance);
  if (props.metricsNamespace !== undefined) checkMetricsNamespace(props.metricsNamespace);
  const retention: unknown = props.logRetention;
  // A JavaScript app may pass a number of days: CloudWatch Logs takes only its fixed periods.
  // A numeric enum's values include its member names too ('ONE_WEEK'): only the numbers are periods.
  if (
    retention !== undefined &&
    !(typeof retention === 'number' && Object.values(RetentionDays).includes(retention as RetentionDays))
  ) {
    throw new Error(
      `logRetention must be a RetentionDays value (CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, … days), got ${JSON.stringify(retention)}`,
    );
  }
  const logLevel: unknown = props.logLevel;
  // A JavaScript app is not held to the type: 'WARN' would silence the audit records, which are INFO lines.
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as CallControlLogLevel)) {
    throw new Error(
      `logLevel must be one of ${LOG_LEVELS.join(', ')} (audit records are INFO lines; a quieter level would drop them), got "${String(logLevel)}"`,
    );
  }
  if (props.runtime !== undefined) checkRuntime(props.runtime);
};

/** What EventBridge accepts as a custom event's `source` (the `aws.` prefix is reserved for AWS services). */
const isEventSource = (source: string): boolean =>
  source.length >= 1 && source.length <= 256 && !/\s/.test(source) && !source.startsWith('aws.');
