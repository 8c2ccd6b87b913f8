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

/**
 * An HTTP caller: the IAM principal (SigV4) or the JWT's subject and issuer, as API Gateway's authorizer
 * checked them. Nothing the caller wrote in the request names the actor.
 */
// Typed by the one field it reads, so the package's declarations need no @types/aws-lambda.
export const httpActor = (event: { requestContext: unknown }): AuditActor => {
  const authorizer = record(record(event.requestContext).authorizer);
  const iam = record(authorizer.iam);
  const claims = record(record(authorizer.jwt).claims);
  const principal = text(iam.userArn);
  if (principal) {
    return { name: principal, attested: defined({ principal, accountId: text(iam.accountId) }), claimed: {} };
  }
  const subject = text(claims.sub);
  if (subject) {
    // Cognito access tokens name the signed-in user in `username` (ID tokens in `cognito:username`); the
    // authorizer verified the token, so the name is attested like the subject.
    const username = text(claims.username) ?? text(claims['cognito:username']);
    return {
      name: `jwt:${username ?? subject}`,
      attested: defined({ jwtSubject: subject, jwtUsername: username, jwtIssuer: text(claims.iss) }),
      claimed: {},
    };
  }
  return { name: 'unknown', attested: {}, claimed: {} };
};

/**
 * An event's requester: the `source` is whatever the publisher wrote (claimed); the `account` and `region` are
 * set by EventBridge from the credentials that put the event on the bus (attested). Read leniently: an
 * invalid event is audited too.
 */
export const eventActor = (event: unknown): AuditActor => {
  const envelope = record(event);
  const source = text(envelope.source);
  return {
    name: source ?? 'unknown',
    attested: defined({ account: text(envelope.account), region: text(envelope.region) }),
    claimed: defined({ source }),
  };
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
 * and account as the function (`context.invokedFunctionArn`), and the input's schedule name.
 */
const isOwnSchedule = (
  scheduleArn: string,
  scheduleName: string,
  functionArn: string | undefined,
): boolean => {
  const schedule = /^arn:([^:]+):scheduler:([^:]+):(\d{12}):schedule\/[^/]+\/([^/]+)$/.exec(scheduleArn);
  const lambda = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:/.exec(functionArn ?? '');
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
 * A scheduled cleanup: the input's `scheduleName` is claimed (anyone who may invoke the function can write
 * it); the schedule ARN, execution id, scheduled time and attempt number are attested, since EventBridge
 * Scheduler itself substitutes them into the input (`<aws.scheduler.schedule-arn>`, ...), but only when the
 * ARN names a schedule of the function's own account and region with the input's schedule name: anyone who
 * may invoke the function can write those fields too, so any other value is recorded as claimed.
 */
export const scheduleActor = (
  scheduleName: string,
  invocation: SchedulerInvocation | undefined,
  functionArn: string | undefined,
): AuditActor => {
  const fields = invocation
    ? defined({
        scheduleArn: invocation.scheduleArn,
        executionId: invocation.executionId,
        scheduledTime: invocation.scheduledTime,
        attemptNumber: invocation.attemptNumber,
      })
    : {};
  const attested =
    invocation !== undefined && isOwnSchedule(invocation.scheduleArn, scheduleName, functionArn);
  return {
    name: scheduleName,
    attested: attested ? fields : {},
    claimed: attested ? { scheduleName } : { scheduleName, ...fields },
  };
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
