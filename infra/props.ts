import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { CallControlApiAuth, CallControlThrottle } from './api.ts';
import type { CallControlLogLevel } from './call-control-function.ts';
import type { CallUpdateEventsProps } from './call-update-events.ts';
import type { CallControlConsoleProps } from './console.ts';
import type { CallControlBundling } from './function-bundles.ts';
import type { CleanupScheduleProps } from './schedules.ts';

// The props of the CallControl construct (./call-control.ts), apart from it so the construct reads as a
// table of contents; call-control.ts and the package entry re-export them.

/** Props of {@link CallControl}. */
export interface CallControlProps {
  /**
   * Name of the Secrets Manager secret holding the SignalWire credentials. Give this or `secretArn`.
   * @default - none; `secretArn` is used
   */
  readonly secretName?: string;
  /**
   * Complete ARN (with the six-character suffix) of the secret. Give this or `secretName`.
   * @default - none; `secretName` is used
   */
  readonly secretArn?: string;
  /**
   * Customer-managed KMS key the secret is encrypted with; the functions get `kms:Decrypt` on it, and only
   * through Secrets Manager.
   * @default - the secret uses the AWS-managed key and no KMS permission is granted
   */
  readonly secretKmsKey?: IKey;
  /**
   * How operators authenticate to the API.
   * @default { type: 'iam' }
   */
  readonly apiAuth?: CallControlApiAuth;
  /**
   * The operator console in the browser: `GET /console/` on this API, sign-in with a Cognito user pool
   * (created, or `userPool`) through the managed login (authorization code with PKCE), the groups `viewer`,
   * `operator` and `admin` enforced by a JWT authorizer's scopes on the console's routes (`/console-api/…`).
   * The IAM routes are unchanged. `{}` switches it on with a new user pool.
   * @default - no console, no user pool
   */
  readonly console?: CallControlConsoleProps;
  /**
   * Throttling of every route of the API stage.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: CallControlThrottle;
  /**
   * Throttling of the unauthenticated status-callback route (`POST /webhooks/signalwire/status`).
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly webhookThrottle?: CallControlThrottle;
  /**
   * Scheduled cleanup runs. Cleanup ends live calls, so nothing runs unless asked for. Each policy covers both
   * kinds of call (Compatibility and native Calling API calls) unless its `apis` narrows it
   * (`["compatibility"]` or `["calling"]`); a policy the function would refuse fails the synth, naming the field.
   * @default [] - no schedule (the cleanup function is deployed and can be invoked by hand)
   */
  readonly cleanupSchedules?: readonly CleanupScheduleProps[];
  /**
   * Policy the cleanup function applies when its input has none (`CLEANUP_DEFAULT_POLICY`), validated at synth
   * by the function's own rules (`apis` included).
   * @default - unset: there is no built-in policy, so each schedule's input must then give at least
   *   `maxAgeSeconds` (a run without one is refused and ends nothing)
   */
  readonly cleanupDefaultPolicy?: Record<string, unknown>;
  /**
   * Calls the cleanup function updates in parallel (`CLEANUP_CONCURRENCY`).
   * @default 10
   */
  readonly cleanupConcurrency?: number;
  /**
   * End requests the cleanup function starts per second (`CLEANUP_MAX_ENDS_PER_SECOND`), 1 to 1380.
   * SignalWire allows 13,800 POSTs per 10 s for the whole account, shared with the API and the events.
   * @default 200
   */
  readonly cleanupMaxEndsPerSecond?: number;
  /**
   * Time the cleanup function keeps in reserve before its 5-minute timeout (`CLEANUP_TIME_MARGIN_MS`).
   * @default Duration.seconds(10)
   */
  readonly cleanupTimeMargin?: Duration;
  /**
   * An existing event bus to use instead of creating one (`EventBus.fromEventBusName`, or a bus of your
   * stack), in the stack's account and region: the functions publish to it by name (one of another account or
   * region fails the synth). Give at most one of `existingEventBus`, `existingEventBusName` and
   * `existingEventBusArn`.
   * @default - a new bus
   */
  readonly existingEventBus?: IEventBus;
  /**
   * Name of an existing event bus (same account and region) to use instead of creating one.
   * @default - a new bus
   */
  readonly existingEventBusName?: string;
  /**
   * ARN of an existing event bus (same account and region: another one fails the synth) to use instead of
   * creating one.
   * @default - a new bus
   */
  readonly existingEventBusArn?: string;
  /**
   * `source` of every event the functions publish (Call Updated, Call Update Failed, Call Status Changed), and
   * the prefix of the event schemas' names. Consumers' rules match on it.
   * @default 'call-control' (before 0.2.0 the fixed `signalwire.call-control`; set that to keep old rules
   *   matching)
   */
  readonly eventSource?: string;

  /**
   * Declare stack outputs the `call-control` CLI finds by their Description marker
   * (`call-control:ApiUrl [<path>] …`): the API's URL and the cleanup function's name, so
   * `call-control --stack <your stack>` works for any stack embedding this construct.
   * @default true
   */
  readonly cliOutputs?: boolean;
  /**
   * Act on "Call Update Requested" events from these sources on the bus.
   * @default - no rule, no call-update function, no idempotency table
   */
  readonly callUpdateEvents?: CallUpdateEventsProps;
  /**
   * Public base URL SignalWire is configured with when a custom domain or proxy sits in front of the API,
   * e.g. `https://hooks.example.com/signalwire` (`PUBLIC_BASE_URL`). The status-callback signature covers the
   * URL SignalWire called, so it must be known exactly.
   * @default - unset; the function rebuilds the URL from the request (right for the execute-api URL)
   */
  readonly webhookPublicBaseUrl?: string;
  /**
   * How long an accepted status callback is remembered: the same signed callback again within it is answered
   * 204 and not published again (a replay, or SignalWire resending). 1 minute to 30 days. A callback whose
   * signed `Timestamp` is older than it (never less than a day) less twice the clock tolerance is answered 204
   * and not published either: its record may have expired.
   * @default Duration.days(1)
   */
  readonly callbackReplayWindow?: Duration;
  /**
   * Directory holding the event JSON Schemas published in the schema registry.
   * @default - `schemas/events` of this package
   */
  readonly schemasDirectory?: string;
  /**
   * SNS topic every alarm notifies (on alarm and on return to OK): the simple case of `alarmActions`.
   * @default - no topic
   */
  readonly alarmTopic?: ITopic;
  /**
   * Actions every alarm runs on alarm and on return to OK (`SnsAction`, `LambdaAction`, an incident
   * manager's action…), after `alarmTopic`'s when both are given.
   * @default [] - with no `alarmTopic` either, alarms without actions
   */
  readonly alarmActions?: readonly IAlarmAction[];
  /**
   * Retention of every function log group and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools log level of every function.
   * @default 'INFO'
   */
  readonly logLevel?: CallControlLogLevel;
  /**
   * X-Ray active tracing of every function (Lambda's invocation segments).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Also bundle the Powertools Tracer into every function: subsegments for the handler, the AWS SDK calls and
   * the https requests to SignalWire. It adds the X-Ray SDK to every function (its size: docs/benchmarks.md),
   * which every cold start parses, so it is off unless asked for. Needs `tracing`.
   * @default false
   */
  readonly powertoolsTracer?: boolean;
  /**
   * What happens to the idempotency table and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * CloudWatch namespace of the functions' custom metrics (and of the alarms on them): 1 to 255 letters,
   * digits, spaces or `.-_/#:`, not starting with `:` or `AWS/` (CloudWatch's rules; checked at synth).
   * @default 'SignalWireCallControl'
   */
  readonly metricsNamespace?: string;
  /**
   * Value of the `instance` dimension of every custom metric (`CALL_CONTROL_METRICS_INSTANCE`), which keeps
   * two constructs in one account and region (staging and production) apart: each one's alarms and
   * `metric…()` methods see its own data only. Set it to keep a metric's identity when the stack is renamed or
   * the construct moved; two constructs in one account and region must never share it.
   * @default - `<stack name>/<construct path inside the stack>`, e.g. `Telephony/CallControl`
   */
  readonly metricsInstance?: string;
  /**
   * Lambda runtime of every function. The bundles are built for Node.js 24 (esbuild target `node24`) and
   * every test of this package runs them on Node.js 24; a later `nodejs*.x` runtime may be chosen, an
   * earlier one is refused.
   * @default Runtime.NODEJS_24_X
   */
  readonly runtime?: Runtime;
  /**
   * How long a warm function reuses the secret before reading it again (`SECRET_CACHE_TTL_SECONDS`).
   * @default Duration.minutes(5)
   */
  readonly secretCacheTtl?: Duration;
  /**
   * Timeout of one request to SignalWire (`SIGNALWIRE_TIMEOUT_MS`); between 100 ms and 20 s so that the
   * API function can still answer within API Gateway's limit, and at most 18,333 ms with `callUpdateEvents`
   * (a redirect's 3 requests plus 5 s must fit the event function's 60 s).
   * @default Duration.seconds(5)
   */
  readonly signalWireTimeout?: Duration;
  /**
   * Where the functions' code comes from. `prebuilt`: the bundles built with the package and shipped in it,
   * deployed as they are (what the package's tests ran; the app needs no esbuild). `source`: bundled from the
   * TypeScript sources at synth time with the same esbuild settings (a checkout of this repository only).
   * @default 'prebuilt'
   */
  readonly bundling?: CallControlBundling;
}

/** Options of {@link CallControl.grantPublishCallUpdateRequests}. */
export interface PublishCallUpdateRequestsOptions {
  /** The producer's event `source`; one of `callUpdateEvents.allowedSources`. */
  readonly source: string;
}
