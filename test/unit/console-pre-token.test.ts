import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/console-pre-token.ts';

const tokenEvent = (groups: string[] | undefined) =>
  ({
    version: '2',
    triggerSource: 'TokenGeneration_HostedAuth',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_abc',
    userName: 'someone',
    callerContext: { awsSdkVersion: '1', clientId: 'client' },
    request: { userAttributes: {}, groupConfiguration: { groupsToOverride: groups } },
    response: { claimsAndScopeOverrideDetails: {} },
  }) as unknown as PreTokenGenerationV2TriggerEvent;

const suppressed = async (groups: string[] | undefined) =>
  (await handler(tokenEvent(groups))).response.claimsAndScopeOverrideDetails.accessTokenGeneration
    ?.scopesToSuppress;

describe('console pre-token trigger: a role becomes the scopes the API checks', () => {
  it('leaves a viewer only the read scope', async () => {
    expect(await suppressed(['viewer'])).toEqual(['call-control/write', 'call-control/admin']);
  });

  it('leaves an operator read and write, and an admin everything', async () => {
    expect(await suppressed(['operator'])).toEqual(['call-control/admin']);
    expect(await suppressed(['admin'])).toEqual([]);
    expect(await suppressed(['viewer', 'admin'])).toEqual([]);
  });

  it('grants nothing to a user in no console group or an unknown one', async () => {
    expect(await suppressed(undefined)).toEqual([
      'call-control/read',
      'call-control/write',
      'call-control/admin',
    ]);
    expect(await suppressed(['__proto__', 'constructor'])).toEqual([
      'call-control/read',
      'call-control/write',
      'call-control/admin',
    ]);
  });
});
