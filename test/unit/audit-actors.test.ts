import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventActor, httpActor, scheduleActor } from '#commons/calls/audit-actors';

const httpEvent = (authorizer: unknown): APIGatewayProxyEventV2 =>
  ({ requestContext: { authorizer } }) as unknown as APIGatewayProxyEventV2;

const FUNCTION = 'arn:aws:lambda:eu-west-1:111122223333:function:call-control';
const viaApiGateway = `${FUNCTION}:api-gateway`;
const viaRule = `${FUNCTION}:event-rule`;
const viaScheduler = `${FUNCTION}:scheduler`;

describe('audit actors: what AWS attests and what the caller claims', () => {
  it('reads the alias of each invocation afresh when the invoked ARN changes between invocations', () => {
    const iam = httpEvent({ iam: { userArn: 'arn:aws:iam::111122223333:user/ops' } });
    const attested = (arn: string | undefined) =>
      Object.keys(httpActor(iam, arn).attested).includes('principal');

    expect(
      [viaApiGateway, viaApiGateway, FUNCTION, viaApiGateway, undefined, viaRule, viaApiGateway].map(
        attested,
      ),
    ).toEqual([true, true, false, true, false, false, true]);
  });

  it('takes an HTTP caller invoked through the api-gateway alias from what the authorizer checked, IAM or JWT', () => {
    expect(
      httpActor(
        httpEvent({ iam: { userArn: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333' } }),
        viaApiGateway,
      ),
    ).toEqual({
      name: 'arn:aws:iam::111122223333:user/ops',
      attested: {
        invokedAs: viaApiGateway,
        principal: 'arn:aws:iam::111122223333:user/ops',
        accountId: '111122223333',
      },
      claimed: {},
    });
    expect(
      httpActor(
        httpEvent({ jwt: { claims: { sub: 'u-42', iss: 'https://issuer.example.com' }, scopes: [] } }),
        viaApiGateway,
      ),
    ).toEqual({
      name: 'jwt:u-42',
      attested: { invokedAs: viaApiGateway, jwtSubject: 'u-42', jwtIssuer: 'https://issuer.example.com' },
      claimed: {},
    });
    expect(httpActor(httpEvent(undefined), viaApiGateway)).toEqual({
      name: 'unknown',
      attested: { invokedAs: viaApiGateway },
      claimed: {},
    });
  });

  it('writes the fields that have a value in their order, as the audit line serialises them', () => {
    const claims = { sub: 'u-7', iss: 'https://cognito-idp.example.com/pool', 'cognito:username': 'op' };
    const jwt = httpEvent({ jwt: { claims, scopes: [] } });
    expect(JSON.stringify(httpActor(jwt, viaApiGateway))).toBe(
      '{"name":"jwt:op","attested":{"invokedAs":"' +
        viaApiGateway +
        '","jwtSubject":"u-7","jwtUsername":"op","jwtIssuer":"https://cognito-idp.example.com/pool"},"claimed":{}}',
    );
    const iam = httpEvent({ iam: { userArn: 'arn:aws:iam::111122223333:user/ops' } });
    expect(JSON.stringify(httpActor(iam, undefined))).toBe(
      '{"name":"arn:aws:iam::111122223333:user/ops","attested":{},"claimed":{"principal":"arn:aws:iam::111122223333:user/ops"}}',
    );
  });

  it("names a console user by the verified access token's username, keeping the subject and issuer", () => {
    const claims = { sub: 'u-7', username: 'operator', iss: 'https://cognito-idp.example.com/pool' };
    expect(httpActor(httpEvent({ jwt: { claims, scopes: ['call-control/write'] } }), viaApiGateway)).toEqual({
      name: 'jwt:operator',
      attested: {
        invokedAs: viaApiGateway,
        jwtSubject: 'u-7',
        jwtUsername: 'operator',
        jwtIssuer: 'https://cognito-idp.example.com/pool',
      },
      claimed: {},
    });
  });

  it('forgery: an HTTP event invoked directly (not through the api-gateway alias) has its authorizer claimed, not attested', () => {
    const forged = httpEvent({
      iam: { userArn: 'arn:aws:iam::111122223333:role/admin', accountId: '111122223333' },
    });
    for (const invoked of [FUNCTION, viaRule, viaScheduler, `${FUNCTION}:7`, `${FUNCTION}:api-gateway-x`]) {
      expect(httpActor(forged, invoked)).toEqual({
        name: 'arn:aws:iam::111122223333:role/admin',
        attested: { invokedAs: invoked },
        claimed: { principal: 'arn:aws:iam::111122223333:role/admin', accountId: '111122223333' },
      });
    }
    const jwt = httpEvent({ jwt: { claims: { sub: 'boss', iss: 'https://issuer.example.com' } } });
    expect(httpActor(jwt, FUNCTION).attested).toEqual({ invokedAs: FUNCTION });
    expect(httpActor(jwt, undefined)).toEqual({
      name: 'jwt:boss',
      attested: {},
      claimed: { jwtSubject: 'boss', jwtIssuer: 'https://issuer.example.com' },
    });
  });

  it("keeps an event's source as claimed and, delivered by the rule, its account and region as attested, even for an invalid event", () => {
    expect(
      eventActor({ source: 'com.example.crm', account: '111122223333', region: 'eu-west-1' }, viaRule),
    ).toEqual({
      name: 'com.example.crm',
      attested: { invokedAs: viaRule, account: '111122223333', region: 'eu-west-1' },
      claimed: { source: 'com.example.crm' },
    });
    expect(eventActor({ source: 42, account: 'x'.repeat(1000) }, viaRule)).toEqual({
      name: 'unknown',
      attested: { invokedAs: viaRule, account: 'x'.repeat(256) },
      claimed: {},
    });
  });

  it('forgery: a direct invoke of the event function with account 999999999999 records that account as claimed, not attested', () => {
    const event = { source: 'com.example.crm', account: '999999999999', region: 'eu-west-1' };
    for (const invoked of [FUNCTION, viaApiGateway, viaScheduler]) {
      expect(eventActor(event, invoked)).toEqual({
        name: 'com.example.crm',
        attested: { invokedAs: invoked },
        claimed: { source: 'com.example.crm', account: '999999999999', region: 'eu-west-1' },
      });
    }
  });

  it("records an archive replay's replay-name as attested when the rule delivered it, as claimed on a direct invoke, and never the event's time", () => {
    const replayed = {
      source: 'com.example.crm',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-12-01T10:00:00Z',
      'replay-name': 'after-crm-outage',
    };
    expect(eventActor(replayed, viaRule)).toEqual({
      name: 'com.example.crm',
      attested: {
        invokedAs: viaRule,
        account: '111122223333',
        region: 'eu-west-1',
        replayName: 'after-crm-outage',
      },
      claimed: { source: 'com.example.crm' },
    });
    expect(eventActor(replayed, FUNCTION)).toEqual({
      name: 'com.example.crm',
      attested: { invokedAs: FUNCTION },
      claimed: {
        source: 'com.example.crm',
        account: '111122223333',
        region: 'eu-west-1',
        replayName: 'after-crm-outage',
      },
    });
  });

  it("keeps a schedule's name as claimed and, through the scheduler alias, Scheduler's context attributes as attested", () => {
    const arn = 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls';
    expect(scheduleActor('stale-calls', { scheduleArn: arn, executionId: 'e-1' }, viaScheduler)).toEqual({
      name: 'stale-calls',
      attested: { invokedAs: viaScheduler, scheduleArn: arn, executionId: 'e-1' },
      claimed: { scheduleName: 'stale-calls' },
    });
    expect(scheduleActor('by-hand', undefined, FUNCTION)).toEqual({
      name: 'by-hand',
      attested: { invokedAs: FUNCTION },
      claimed: { scheduleName: 'by-hand' },
    });
  });

  it("forgery: a hand invoke of the unqualified cleanup function with the nightly schedule's own ARN is recorded as claimed", () => {
    // Exactly what Scheduler would substitute: only the invoked alias tells them apart.
    const invocation = {
      scheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/nightly',
      executionId: 'e-1',
      scheduledTime: '2026-12-06T03:00:00Z',
      attemptNumber: '1',
    };
    for (const invoked of [FUNCTION, viaApiGateway, viaRule]) {
      expect(scheduleActor('nightly', invocation, invoked)).toEqual({
        name: 'nightly',
        attested: { invokedAs: invoked },
        claimed: { scheduleName: 'nightly', ...invocation },
      });
    }
  });

  it("defect: schedule 'attested' fields writable by anyone: through the scheduler alias, attests a schedule ARN only for this function's account, region and schedule name", () => {
    const invocation = (scheduleArn: string) => ({ scheduleArn, executionId: 'e-1' });
    const own = 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls';
    expect(scheduleActor('stale-calls', invocation(own), viaScheduler).attested).toEqual({
      invokedAs: viaScheduler,
      ...invocation(own),
    });
    for (const scheduleArn of [
      'arn:aws:scheduler:eu-west-1:444455556666:schedule/call-control/stale-calls',
      'arn:aws:scheduler:us-east-1:111122223333:schedule/call-control/stale-calls',
      'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/other',
      'arn:aws-cn:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls',
    ]) {
      expect(scheduleActor('stale-calls', invocation(scheduleArn), viaScheduler)).toEqual({
        name: 'stale-calls',
        attested: { invokedAs: viaScheduler },
        claimed: { scheduleName: 'stale-calls', ...invocation(scheduleArn) },
      });
    }
    // Without the invoked ARN nothing can be checked, so nothing is attested.
    expect(scheduleActor('stale-calls', invocation(own), undefined).attested).toEqual({});
  });
});
