import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_METRICS_NAMESPACE } from './metric-names.ts';
import {
  BUNDLE_ALIAS,
  BUNDLE_EXTERNALS,
  BUNDLE_MAIN_FIELDS,
  bundleDefine,
  ESM_REQUIRE_BANNER,
  FUNCTION_RUNTIME_ENVIRONMENT,
} from './runtime.ts';

/** Powertools log levels the functions accept in `POWERTOOLS_LOG_LEVEL`. */
/**
 * Log levels a function may run at. Audit records and cleanup reports are INFO lines, so a quieter level
 * (WARN, ERROR) would silently drop them and is not offered.
 */
export type CallControlLogLevel = 'DEBUG' | 'INFO';

const SOURCE_MAPS_OPTION = '--enable-source-maps';

/** The project's aliases as esbuild `--alias` arguments, then the caller's own (which win on a clash). */
const aliasArgs = (callers: string | boolean | string[] | undefined): string[] => [
  ...Object.entries(BUNDLE_ALIAS).map(([module, replacement]) => `${module}=${replacement}`),
  ...(Array.isArray(callers) ? callers : typeof callers === 'string' ? [callers] : []),
];

/**
 * Props of {@link CallControlFunction}. Runtime, architecture, log group, role and tracing mode are fixed by
 * the construct; the remaining `NodejsFunctionProps` pass through.
 */
export interface CallControlFunctionProps
  extends Omit<
    NodejsFunctionProps,
    'runtime' | 'architecture' | 'logGroup' | 'logRetention' | 'tracing' | 'role'
  > {
  /** Absolute path of the handler's TypeScript file; it must export `handler`. */
  readonly entry: string;
  /**
   * Powertools service name (`POWERTOOLS_SERVICE_NAME`): the `service` key of every log line and the `service`
   * dimension of every custom metric.
   */
  readonly serviceName: string;
  /**
   * CloudWatch namespace of the custom metrics (`POWERTOOLS_METRICS_NAMESPACE`).
   * @default 'SignalWireCallControl'
   */
  readonly metricsNamespace?: string;
  /**
   * Powertools log level (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: CallControlLogLevel;
  /**
   * Retention of the function's own log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * X-Ray active tracing of the function (Lambda's invocation segments).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Also bundle the Powertools Tracer: subsegments for the handler, AWS SDK calls and `fetch` to SignalWire.
   * Off by default because it adds about 124 KB (the X-Ray SDK) that every cold start parses; needs `tracing`.
   * @default false
   */
  readonly powertoolsTracer?: boolean;
}

/**
 * The one way this project builds a Lambda function: Node.js 24 on ARM64, a minified ESM bundle that carries
 * its own AWS SDK, source maps enabled at run time, an explicit log group with retention, a role that may
 * write only to that log group, and Powertools configured from props.
 *
 * The caller's `environment` is merged over the defaults, never dropped; `NODE_OPTIONS` is combined so that
 * source maps stay on.
 */
export class CallControlFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CallControlFunctionProps) {
    super(scope, id, CallControlFunction.resolveProps(scope, id, props));
    if (props.tracing ?? true) {
      const policy = this.role?.node.tryFindChild('DefaultPolicy');
      if (policy) {
        Validations.of(policy).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource ' +
            'other than *; every other statement of this policy names its resource.',
        });
      }
    }
  }

  private static resolveProps(
    scope: Construct,
    id: string,
    props: CallControlFunctionProps,
  ): NodejsFunctionProps {
    const {
      serviceName,
      metricsNamespace = DEFAULT_METRICS_NAMESPACE,
      logLevel = 'INFO',
      logRetention = RetentionDays.ONE_MONTH,
      logRemovalPolicy = RemovalPolicy.RETAIN,
      tracing = true,
      powertoolsTracer = false,
      environment = {},
      bundling,
      ...functionProps
    } = props;

    // Built in the parent scope because a subclass cannot create children before `super()`.
    const logGroup = new LogGroup(scope, `${id}-logs`, {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const role = new Role(scope, `${id}-role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${serviceName} function`,
    });
    logGroup.grantWrite(role);

    const callerNodeOptions = environment.NODE_OPTIONS?.trim() ?? '';
    const nodeOptions = callerNodeOptions.includes(SOURCE_MAPS_OPTION)
      ? callerNodeOptions
      : `${SOURCE_MAPS_OPTION} ${callerNodeOptions}`.trim();
    return {
      memorySize: 512,
      ...functionProps,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      role,
      logGroup,
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        POWERTOOLS_LOG_LEVEL: logLevel,
        POWERTOOLS_TRACE_DISABLED: String(!(tracing && powertoolsTracer)),
        ...FUNCTION_RUNTIME_ENVIRONMENT,
        ...environment,
        NODE_OPTIONS: nodeOptions,
      },
      bundling: {
        ...bundling,
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: BUNDLE_MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Stack traces only need file and line; embedding the sources would double the asset size.
        sourcesContent: false,
        // Bundling the SDK pins the version we tested and avoids loading the runtime's copy from disk.
        bundleAwsSDK: true,
        externalModules: BUNDLE_EXTERNALS,
        define: { ...bundling?.define, ...bundleDefine(tracing && powertoolsTracer) },
        esbuildArgs: { ...bundling?.esbuildArgs, '--alias': aliasArgs(bundling?.esbuildArgs?.['--alias']) },
      },
    };
  }
}
