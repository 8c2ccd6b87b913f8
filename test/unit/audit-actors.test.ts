import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventActor, httpActor, scheduleActor } from '#commons/calls/audit-actors';

const httpEvent = (authorizer: unknown): APIGatewayProxyEventV2 =>
  ({ requestContext: { authorizer } }) as unknown as APIGatewayProxyEventV2;

describe('audit actors: what AWS attests and what the caller claims', () => {
  it('takes an HTTP caller from what the authorizer checked, IAM or JWT, and nothing as claimed', () => {
    expect(
      httpActor(
        httpEvent({ iam: { userArn: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333' } }),
      ),
    ).toEqual({
      name: 'arn:aws:iam::111122223333:user/ops',
      attested: { principal: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333' },
      claimed: {},
    });
    expect(
      httpActor(
        httpEvent({ jwt: { claims: { sub: 'u-42', iss: 'https://issuer.example.com' }, scopes: [] } }),
      ),
    ).toEqual({
      name: 'jwt:u-42',
      attested: { jwtSubject: 'u-42', jwtIssuer: 'https://issuer.example.com' },
      claimed: {},
    });
    expect(httpActor(httpEvent(undefined))).toEqual({ name: 'unknown', attested: {}, claimed: {} });
  });

  it("names a console user by the verified access token's username, keeping the subject and issuer", () => {
    const claims = { sub: 'u-7', username: 'operator', iss: 'https://cognito-idp.example.com/pool' };
    expect(httpActor(httpEvent({ jwt: { claims, scopes: ['call-control/write'] } }))).toEqual({
      name: 'jwt:operator',
      attested: {
        jwtSubject: 'u-7',
        jwtUsername: 'operator',
        jwtIssuer: 'https://cognito-idp.example.com/pool',
      },
      claimed: {},
    });
  });

  it("keeps an event's source as claimed and its account and region as attested, even for an invalid event", () => {
    expect(eventActor({ source: 'com.example.crm', account: '111122223333', region: 'eu-west-1' })).toEqual({
      name: 'com.example.crm',
      attested: { account: '111122223333', region: 'eu-west-1' },
      claimed: { source: 'com.example.crm' },
    });
    expect(eventActor({ source: 42, account: 'x'.repeat(1000) })).toEqual({
      name: 'unknown',
      attested: { account: 'x'.repeat(256) },
      claimed: {},
    });
  });

  it("keeps a schedule's name as claimed and Scheduler's context attributes as attested", () => {
    const arn = 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls';

    const functionArn = 'arn:aws:lambda:eu-west-1:111122223333:function:call-control-cleanup';
    expect(scheduleActor('stale-calls', { scheduleArn: arn, executionId: 'e-1' }, functionArn)).toEqual({
      name: 'stale-calls',
      attested: { scheduleArn: arn, executionId: 'e-1' },
      claimed: { scheduleName: 'stale-calls' },
    });
    expect(scheduleActor('by-hand', undefined, functionArn)).toEqual({
      name: 'by-hand',
      attested: {},
      claimed: { scheduleName: 'by-hand' },
    });
  });

  it("defect: schedule 'attested' fields writable by anyone: attests a schedule ARN only for this function's account, region and schedule name", () => {
    const functionArn = 'arn:aws:lambda:eu-west-1:111122223333:function:call-control-cleanup:live';
    const invocation = (scheduleArn: string) => ({ scheduleArn, executionId: 'e-1' });
    const own = 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls';
    expect(scheduleActor('stale-calls', invocation(own), functionArn).attested).toEqual(invocation(own));
    for (const scheduleArn of [
      'arn:aws:scheduler:eu-west-1:444455556666:schedule/call-control/stale-calls',
      'arn:aws:scheduler:us-east-1:111122223333:schedule/call-control/stale-calls',
      'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/other',
      'arn:aws-cn:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls',
    ]) {
      expect(scheduleActor('stale-calls', invocation(scheduleArn), functionArn)).toEqual({
        name: 'stale-calls',
        attested: {},
        claimed: { scheduleName: 'stale-calls', ...invocation(scheduleArn) },
      });
    }
    // Without the function's own ARN nothing can be checked, so nothing is attested.
    expect(scheduleActor('stale-calls', invocation(own), undefined).attested).toEqual({});
  });
});
