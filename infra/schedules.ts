import { Duration, Stack, Token } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseCleanupEvent, parsePolicyInput } from '../functions/commons/cleanup/policy.ts';
import { RequestValidationError } from '../functions/commons/errors.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';

/** One scheduled cleanup run: when it runs and which policy it applies. */
export interface CleanupScheduleProps {
  /**
   * Identifies the schedule: sent to the function as `scheduleName` and used in construct IDs.
   * Lowercase letters, digits and single dashes, at most 48 characters, unique within the construct.
   */
  readonly name: string;
  /**
   * EventBridge Scheduler expression: `rate(...)`, `cron(...)` (UTC) or `at(...)`.
   * @default 'rate(5 minutes)'
   */
  readonly schedule?: string;
  /**
   * The cleanup policy of this run, passed through as `policy`; its shape is defined by the cleanup function
   * (`maxAgeSeconds`, `to`, `from`, `directions`, `apis`, `neverTouch`, `maxCallsToEnd`, `dryRun`, `accountSid`)
   * and checked at synth by the same validator.
   */
  readonly policy: Record<string, unknown>;
  /**
   * A disabled schedule is deployed but does not fire, so it can be switched on without other changes.
   * @default true
   */
  readonly enabled?: boolean;
}

/** Scheduler retries of one invocation; failed deliveries then go to the dead-letter queue. */
const RETRY_ATTEMPTS = 2;
const MAX_EVENT_AGE = Duration.hours(1);
const DEFAULT_SCHEDULE = 'rate(5 minutes)';
const NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const RATE_PATTERN = /^rate\(([1-9]\d*) (minutes?|hours?|days?)\)$/;
const AT_PATTERN = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const CRON_FIELD_PATTERN = /^[\w*?,/#-]+$/;

/**
 * Why EventBridge Scheduler would refuse `expression` at deploy time, or undefined: `rate(<n> <unit>)` with a
 * whole n ≥ 1 and minutes, hours or days; `cron(…)` with its six fields, one of day-of-month and day-of-week
 * `?`; `at(yyyy-mm-ddThh:mm:ss)` naming a real time.
 */
const expressionProblem = (expression: string): string | undefined => {
  if (expression.startsWith('rate(')) {
    return RATE_PATTERN.test(expression)
      ? undefined
      : 'a rate is rate(<whole number ≥ 1> minutes|hours|days)';
  }
  if (expression.startsWith('cron(') && expression.endsWith(')')) {
    const fields = expression.slice(5, -1).trim().split(/\s+/);
    if (fields.length !== 6 || !fields.every((field) => CRON_FIELD_PATTERN.test(field))) {
      return 'a cron has six fields: minutes hours day-of-month month day-of-week year';
    }
    return (fields[2] === '?') === (fields[4] === '?')
      ? 'a cron needs "?" in exactly one of day-of-month and day-of-week'
      : undefined;
  }
  const at = AT_PATTERN.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, ...number[]];
    const time = new Date(Date.UTC(year, (month ?? 0) - 1, day, hour, minute, second));
    const roundTrip = time.toISOString().slice(0, 19);
    return roundTrip === expression.slice(3, -1) ? undefined : 'at(…) names no real date and time';
  }
  return 'expected rate(...), cron(...) or at(yyyy-mm-ddThh:mm:ss)';
};

/**
 * Invokes exactly the function (or alias) it names and may do nothing else: `LambdaInvoke` would also grant
 * `<arn>:*` (every version and alias of a function), which this target never calls.
 */
class InvokeExactly extends LambdaInvoke {
  constructor(
    private readonly fn: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(fn, props);
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );
  }
}

/** Props of {@link CleanupSchedules}. */
export interface CleanupSchedulesProps {
  /**
   * What every schedule invokes: the cleanup function's `scheduler` alias (see `triggerAlias`), which only the
   * schedules' role is granted, so the audit records attest the schedule ARN Scheduler substitutes.
   */
  readonly handler: IFunction;
  /** At least one schedule. */
  readonly schedules: readonly CleanupScheduleProps[];
  /**
   * The function's default policy (`CLEANUP_DEFAULT_POLICY`), which each schedule's policy is merged over.
   * @default - none: each schedule's policy must stand alone
   */
  readonly defaultPolicy?: Record<string, unknown>;
}

/**
 * EventBridge Scheduler schedules that invoke the cleanup function with
 * `{ "scheduleName": "<name>", "policy": { ... }, "scheduler": { "scheduleArn", "executionId", ... } }`, the
 * last filled in by EventBridge Scheduler itself (its context attributes). All of them share one schedule group, one role that may
 * invoke only that function, and one dead-letter queue for invocations the scheduler could not deliver.
 */
export class CleanupSchedules extends Construct {
  readonly scheduleGroup: ScheduleGroup;
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: CleanupSchedulesProps) {
    super(scope, id);
    validateSchedules(props.schedules, props.defaultPolicy);

    this.scheduleGroup = new ScheduleGroup(this, 'schedule-group');
    this.role = new Role(this, 'scheduler-role', {
      description: 'Lets EventBridge Scheduler invoke the call-control cleanup function',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Stack.of(this).account,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });
    this.deadLetterQueue = createDeadLetterQueue(
      this,
      'dead-letter-queue',
      'cleanup invocations EventBridge Scheduler could not deliver',
    );

    this.schedules = props.schedules.map((schedule) => {
      const created = new Schedule(this, `schedule-${schedule.name}`, {
        description: `Ends stale SignalWire calls (cleanup schedule "${schedule.name}")`,
        scheduleGroup: this.scheduleGroup,
        schedule: ScheduleExpression.expression(schedule.schedule?.trim() ?? DEFAULT_SCHEDULE),
        enabled: schedule.enabled ?? true,
        target: new InvokeExactly(props.handler, {
          role: this.role,
          input: ScheduleTargetInput.fromObject({
            scheduleName: schedule.name,
            policy: schedule.policy,
            // Substituted by EventBridge Scheduler at each invocation: what the audit records call attested.
            scheduler: {
              scheduleArn: ContextAttribute.scheduleArn,
              executionId: ContextAttribute.executionId,
              scheduledTime: ContextAttribute.scheduledTime,
              attemptNumber: ContextAttribute.attemptNumber,
            },
          }),
          retryAttempts: RETRY_ATTEMPTS,
          maxEventAge: MAX_EVENT_AGE,
          deadLetterQueue: this.deadLetterQueue,
        }),
      });
      // The schedule names its group by a plain string, so CloudFormation would not order them by itself.
      created.node.addDependency(this.scheduleGroup);
      return created;
    });
  }
}

/** Runs a policy check of the cleanup function and turns its refusal into a synth-time error. */
export const checkedPolicy = <T>(check: () => T, prefix = ''): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof RequestValidationError) throw new Error(`${prefix}${error.message}`);
    throw error;
  }
};

const validateSchedules = (
  schedules: readonly CleanupScheduleProps[],
  defaultPolicy: Record<string, unknown> | undefined,
): void => {
  const defaults =
    defaultPolicy === undefined
      ? undefined
      : checkedPolicy(() => parsePolicyInput(defaultPolicy, 'cleanupDefaultPolicy'));
  const seen = new Set<string>();
  for (const { name, schedule, policy, enabled } of schedules) {
    if (!NAME_PATTERN.test(name) || name.length > 48) {
      throw new Error(
        `cleanup schedule name "${name}" must be lowercase letters, digits and single dashes, at most 48 characters`,
      );
    }
    if (seen.has(name)) {
      throw new Error(`cleanup schedule name "${name}" is used twice`);
    }
    seen.add(name);
    // A token (a parameter, another construct's value) is known only at deploy: Scheduler checks it then.
    const problem =
      schedule === undefined || Token.isUnresolved(schedule) ? undefined : expressionProblem(schedule.trim());
    if (problem !== undefined) {
      throw new Error(`cleanup schedule "${name}" has expression "${schedule}": ${problem}`);
    }
    if (enabled !== undefined && typeof enabled !== 'boolean') {
      // A JavaScript app's `enabled: 'false'` would deploy the schedule enabled.
      throw new Error(
        `cleanup schedule "${name}": enabled must be true or false, got ${JSON.stringify(enabled)}`,
      );
    }
    // The function validates again at every run; refusing here stops a deployment that could never run.
    checkedPolicy(
      () => parseCleanupEvent({ scheduleName: name, policy }, defaults),
      `cleanup schedule "${name}": `,
    );
  }
};
