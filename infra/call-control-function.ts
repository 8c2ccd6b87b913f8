import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { AssetHashType, DockerImage, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alias,
  Architecture,
  Code,
  type FunctionProps,
  Function as LambdaFunction,
  Runtime,
  RuntimeFamily,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TRIGGER_ALIASES } from '../functions/commons/platform/settings.ts';
import {
  BUNDLE_FILE,
  bundleFunction,
  bundleVariantOf,
  type CallControlBundling,
  PACKAGE_ROOT,
  requirePrebuiltBundle,
  writeBundle,
} from './function-bundles.ts';
import { DEFAULT_METRICS_NAMESPACE } from './metric-names.ts';
import { FUNCTION_RUNTIME_ENVIRONMENT } from './runtime.ts';

/**
 * Log levels a function may run at. Audit records and cleanup reports are INFO lines, so a quieter level
 * (WARN, ERROR) would silently drop them and is not offered.
 */
export type CallControlLogLevel = 'DEBUG' | 'INFO';
/** Every {@link CallControlLogLevel}, for the checks of props and context values the type does not hold. */
export const LOG_LEVELS: readonly CallControlLogLevel[] = ['DEBUG', 'INFO'];

/**
 * The Node.js major the bundles are built for (esbuild target `node24`) and that every test of this package
 * runs them on. Lambda's newest Node.js runtime may be later (aws-cdk-lib 2.278 knows `nodejs26.x`); the
 * bundles have not been tested there, so it is a choice (`runtime`), not the default.
 */
export const BUNDLE_NODE_MAJOR = 24;

/** The default runtime of every function: the one the bundles are built and tested for. */
export const DEFAULT_RUNTIME = Runtime.NODEJS_24_X;

/** Refuses a runtime the bundles cannot run on: another language, or Node.js before the bundles' target. */
export const checkRuntime = (runtime: Runtime): void => {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (runtime.family !== RuntimeFamily.NODEJS || major === undefined || Number(major) < BUNDLE_NODE_MAJOR) {
    throw new Error(
      `runtime must be Node.js ${BUNDLE_NODE_MAJOR} or later (nodejs${BUNDLE_NODE_MAJOR}.x, …): the bundles are ` +
        `built for node${BUNDLE_NODE_MAJOR}; got ${runtime.name}`,
    );
  }
};

/**
 * Props of {@link CallControlFunction}. Code, handler, architecture, log group, role and tracing mode are fixed
 * by the construct, the runtime is a Node.js 24 or later; the remaining `FunctionProps` pass through.
 */
export interface CallControlFunctionProps
  extends Omit<
    FunctionProps,
    'code' | 'handler' | 'runtime' | 'architecture' | 'logGroup' | 'logRetention' | 'tracing' | 'role'
  > {
  /**
   * Lambda runtime: Node.js 24 or later (the bundles are built for and tested on Node.js 24).
   * @default Runtime.NODEJS_24_X
   */
  readonly runtime?: Runtime;
  /**
   * The handler: the name of one of the package's functions (`http-api`, `status-callback`, `cleanup`,
   * `call-update-events`), or, with `bundling: 'source'`, the absolute path of a TypeScript file that exports
   * `handler`.
   */
  readonly entry: string;
  /**
   * Deploy the bundle prebuilt in the package, or bundle `entry` from its source at synth time (same esbuild
   * settings, same bytes; needs esbuild and the sources of a checkout).
   * @default 'prebuilt'
   */
  readonly bundling?: CallControlBundling;
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
   * Also bundle the Powertools Tracer: subsegments for the handler, AWS SDK calls and the https requests to SignalWire.
   * Off by default because it adds the X-Ray SDK (its size in docs/benchmarks.md), which every cold start parses; needs `tracing`.
   * @default false
   */
  readonly powertoolsTracer?: boolean;
}

/**
 * The one way this project builds a Lambda function: Node.js 24 (or a later runtime given) on ARM64, a minified ESM bundle that carries
 * its own AWS SDK (prebuilt, or bundled at synth time with the same settings), stack traces mapped to the sources by the bundle itself, an explicit log group with retention, a role that may
 * write only to that log group, and Powertools configured from props.
 *
 * The caller's `environment` is merged over the defaults, never dropped. `NODE_OPTIONS` is the caller's alone: a
 * bundle maps its own stack traces through its source map, read at the first stack trace
 * (functions/commons/platform/source-mapped-stacks.ts), where `--enable-source-maps` would read it at every
 * cold start.
 */
export class CallControlFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: CallControlFunctionProps) {
    super(scope, id, CallControlFunction.resolveProps(scope, id, props));
    if (this.runtime.name === DEFAULT_RUNTIME.name) {
      Validations.of(this.node.defaultChild ?? this).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          `The bundles are built for Node.js ${BUNDLE_NODE_MAJOR} (esbuild target node${BUNDLE_NODE_MAJOR}) and every ` +
          `test of the package runs them on Node.js ${BUNDLE_NODE_MAJOR}, so that is the default runtime; a later ` +
          'Node.js runtime is chosen with the runtime prop.',
      });
    }
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

  private static resolveProps(scope: Construct, id: string, props: CallControlFunctionProps): FunctionProps {
    const {
      entry,
      bundling = 'prebuilt',
      serviceName,
      metricsNamespace = DEFAULT_METRICS_NAMESPACE,
      logLevel = 'INFO',
      logRetention = RetentionDays.ONE_MONTH,
      logRemovalPolicy = RemovalPolicy.RETAIN,
      tracing = true,
      powertoolsTracer = false,
      environment = {},
      runtime = DEFAULT_RUNTIME,
      ...functionProps
    } = props;
    checkRuntime(runtime);

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

    return {
      memorySize: 512,
      ...functionProps,
      runtime,
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
      },
      code: functionCode(entry, bundling, tracing && powertoolsTracer),
      handler: `${basename(BUNDLE_FILE, '.mjs')}.handler`,
    };
  }
}

/**
 * The function's code: the prebuilt bundle as is, or the entry bundled at synth time. Both hash the bundle's
 * bytes, so the same sources give the same asset hash either way.
 */
const functionCode = (entry: string, bundling: CallControlBundling, powertoolsTracer: boolean): Code => {
  if (bundling === 'prebuilt') {
    return Code.fromAsset(requirePrebuiltBundle(basename(entry, '.ts'), powertoolsTracer));
  }
  const sourceFile = isAbsolute(entry) ? entry : join(PACKAGE_ROOT, 'functions', `${entry}.ts`);
  if (!existsSync(sourceFile)) {
    throw new Error(
      `bundling 'source' needs the handler's TypeScript source, and ${sourceFile} does not exist ` +
        "(the published package ships prebuilt bundles only: use bundling 'prebuilt')",
    );
  }
  return Code.fromAsset(dirname(sourceFile), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: bundling is local, and a failure to bundle throws instead of falling back to Docker.
      image: DockerImage.fromRegistry('local-esbuild-only'),
      // What the local bundling does, spelled out: CDK caches assets by these options (a function is not part
      // of the key), so two entries or tracer variants must differ here or they would share one bundle.
      command: [
        'esbuild',
        relative(PACKAGE_ROOT, sourceFile),
        `--variant=${bundleVariantOf(basename(sourceFile, '.ts'), powertoolsTracer)}`,
      ],
      local: {
        tryBundle: (outputDir) => {
          writeBundle(bundleFunction(sourceFile, powertoolsTracer), outputDir);
          return true;
        },
      },
    },
  });
};

/**
 * The alias through which one AWS trigger (API Gateway, the event rule, the schedules) invokes `fn`, and the
 * only thing that trigger is granted. It points at `$LATEST`, so it runs exactly what the unqualified function
 * runs; what differs is the `context.invokedFunctionArn` Lambda hands the function, which the audit records
 * read to tell the trigger from a hand invoke (see `TRIGGER_ALIASES`). Grant operators the unqualified ARN
 * only: CDK's `grantInvoke` also grants `function:<name>:*`, every alias included.
 */
export const triggerAlias = (fn: LambdaFunction, trigger: keyof typeof TRIGGER_ALIASES): Alias =>
  new Alias(fn, `${TRIGGER_ALIASES[trigger]}-alias`, {
    aliasName: TRIGGER_ALIASES[trigger],
    version: fn.latestVersion,
    description: `Invoked only by the ${trigger} trigger; its audit records attest what that trigger wrote`,
  });
