import { TRIGGER_ALIASES } from '../platform/settings.ts';
import type { AuditActor } from './audit.ts';

/**
 * The audit actor of each trigger, built in one place: which parts of "who asked" AWS attests and which the
 * caller merely claims (see {@link AuditActor}). Values are cut to 256 characters: they may come from input
 * that failed validation.
 */

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, 256) : undefined;

const defined = (entries: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The last ARN {@link aliasOf} read, and its alias. */
const lastAlias: { arn: string | undefined; alias: string | undefined } = {
  arn: undefined,
  alias: undefined,
};

/**
 * The alias a function was invoked through, from `context.invokedFunctionArn` (set by Lambda, never by the
 * invoker), or undefined for the unqualified function or a version.
 */
const aliasOf = (invokedFunctionArn: string | undefined): string | undefined => {
  // A warm function is invoked through the same ARN every time (and a cleanup audits thousands of calls per run).
  const arn = invokedFunctionArn ?? '';
  if (arn !== lastAlias.arn) {
    lastAlias.arn = arn;
    lastAlias.alias =
      /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+:([A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*)$/.exec(
        arn,
      )?.[1];
  }
  return lastAlias.alias;
};

/**
 * An actor whose identity fields are attested only when the function was invoked through `alias`, the one
 * only the trigger's AWS service is granted; otherwise the same fields are recorded as claimed. The invoked
 * ARN itself is always attested: it says how the function was reached.
 */
const through = (
  alias: string,
  invokedFunctionArn: string | undefined,
  name: string,
  identity: Record<string, string>,
  claimed: Record<string, string> = {},
): AuditActor => {
  const invokedAs = defined({ invokedAs: text(invokedFunctionArn) });
  return aliasOf(invokedFunctionArn) === alias
    ? { name, attested: { ...invokedAs, ...identity }, claimed }
    : { name, attested: invokedAs, claimed: { ...claimed, ...identity } };
};

/**
 * An HTTP caller: the IAM principal (SigV4) or the JWT's subject and issuer, which API Gateway's authorizer
 * checked and wrote into `requestContext.authorizer`. Attested only when the function was invoked through the
 * `api-gateway` alias, which only API Gateway may invoke: a direct invoke can write any `requestContext`, so
 * there the same fields are claimed. Nothing the caller wrote in the request names the actor.
 */
// Typed by the one field it reads, so the package's declarations need no @types/aws-lambda.
export const httpActor = (
  event: { requestContext: unknown },
  invokedFunctionArn: string | undefined,
): AuditActor => {
  const authorizer = record(record(event.requestContext).authorizer);
  const iam = record(authorizer.iam);
  const claims = record(record(authorizer.jwt).claims);
  const principal = text(iam.userArn);
  if (principal) {
    return through(
      TRIGGER_ALIASES.http,
      invokedFunctionArn,
      principal,
      defined({ principal, accountId: text(iam.accountId) }),
    );
  }
  const subject = text(claims.sub);
  if (subject) {
    // Cognito access tokens name the signed-in user in `username` (ID tokens in `cognito:username`); checked by
    // the authorizer like the subject, so attested or claimed with it.
    const username = text(claims.username) ?? text(claims['cognito:username']);
    return through(
      TRIGGER_ALIASES.http,
      invokedFunctionArn,
      `jwt:${username ?? subject}`,
      defined({ jwtSubject: subject, jwtUsername: username, jwtIssuer: text(claims.iss) }),
    );
  }
  return through(TRIGGER_ALIASES.http, invokedFunctionArn, 'unknown', {});
};

/**
 * An event's requester: the `source` is whatever the publisher wrote (claimed); the `account` and `region` are
 * set by EventBridge from the credentials that put the event on the bus, and `replayName` from the
 * `replay-name` EventBridge adds to an event an archive replay delivers (a producer's PutEvents cannot write
 * it), so they are attested when the rule delivered the event (the `event-rule` alias); a direct invoke writes
 * them itself, so there they are claimed. The event's `time` is not an identity: the producer may write it
 * (PutEvents' `Time`), so it is never attested. Read leniently: an invalid event is audited too.
 */
export const eventActor = (event: unknown, invokedFunctionArn: string | undefined): AuditActor => {
  const envelope = record(event);
  const source = text(envelope.source);
  return through(
    TRIGGER_ALIASES.event,
    invokedFunctionArn,
    source ?? 'unknown',
    defined({
      account: text(envelope.account),
      region: text(envelope.region),
      replayName: text(envelope['replay-name']),
    }),
    defined({ source }),
  );
};

/** What EventBridge Scheduler puts in a cleanup input through its context attributes. */
export interface SchedulerInvocation {
  scheduleArn: string;
  executionId: string;
  scheduledTime?: string;
  attemptNumber?: string;
}

/**
 * Whether a schedule ARN can be Scheduler's own substitution for this invocation: the same partition, region
 * and account as the function, and the input's schedule name.
 */
const isOwnSchedule = (scheduleArn: string, scheduleName: string, functionArn: string): boolean => {
  const schedule = /^arn:([^:]+):scheduler:([^:]+):(\d{12}):schedule\/[^/]+\/([^/]+)$/.exec(scheduleArn);
  const lambda = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:/.exec(functionArn);
  return (
    schedule !== null &&
    lambda !== null &&
    schedule[1] === lambda[1] &&
    schedule[2] === lambda[2] &&
    schedule[3] === lambda[3] &&
    schedule[4] === scheduleName
  );
};

/**
 * A scheduled cleanup: the input's `scheduleName` is claimed. The schedule ARN, execution id, scheduled time
 * and attempt number, which EventBridge Scheduler substitutes into the input (`<aws.scheduler.schedule-arn>`,
 * ...), are attested only when the function was invoked through the `scheduler` alias, which only the
 * schedules' role may invoke, and the ARN names a schedule of the function's own account and region with the
 * input's name. Anyone who may invoke the unqualified function can write the same fields, so there, as for
 * the CLI's deployed `cleanup`, they are claimed.
 */
export const scheduleActor = (
  scheduleName: string,
  invocation: SchedulerInvocation | undefined,
  invokedFunctionArn: string | undefined,
): AuditActor => {
  const fields = invocation
    ? defined({
        scheduleArn: invocation.scheduleArn,
        executionId: invocation.executionId,
        scheduledTime: invocation.scheduledTime,
        attemptNumber: invocation.attemptNumber,
      })
    : {};
  const scheduled =
    invocation !== undefined &&
    invokedFunctionArn !== undefined &&
    isOwnSchedule(invocation.scheduleArn, scheduleName, invokedFunctionArn);
  // Not Scheduler's own substitution: nothing of it can be attested, whichever alias was invoked.
  const alias = scheduled ? TRIGGER_ALIASES.schedule : '';
  return through(alias, invokedFunctionArn, scheduleName, fields, { scheduleName });
};

/**
 * The `call-control` CLI acting itself (`--direct`, or a cleanup it runs in-process): `cli:<user>` (or the
 * local stack's identity), which only the operator's own machine vouches for, so it is claimed.
 */
export const cliActor = (name: string): AuditActor => ({
  name: name.slice(0, 256),
  attested: {},
  claimed: { cliUser: name.slice(0, 256) },
});
