import { describe, expect, it } from 'vitest';
import {
  type CleanupPolicyInput,
  parseCleanupEvent,
  parseDefaultPolicy,
  parsePolicyInput,
  resolvePolicy,
} from '#commons/cleanup/policy';
import { type FieldViolation, RequestValidationError } from '#commons/errors';

const violationsOf = (act: () => unknown): FieldViolation[] => {
  try {
    act();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.violations;
    throw error;
  }
  throw new Error('expected a RequestValidationError');
};

const event = (policy: unknown) => ({ scheduleName: 'stale-calls', policy });

describe('cleanup policy validation', () => {
  it('accepts a complete policy and returns it as written, defaults filled in', () => {
    const policy = {
      maxAgeSeconds: { inProgress: 14_400, ringing: 120, queued: 600 },
      to: { prefixes: ['+1310'], numbers: ['+14155550100'] },
      from: { numbers: ['+14155550199'] },
      directions: ['outbound-api', 'outbound-dial'],
      apis: ['calling'],
      neverTouch: ['+13105550000', 'b3877c40-da60-4998-90ad-b792e98472ca'],
      maxCallsToEnd: 250,
      dryRun: true,
      accountSid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
    };

    const parsed = parseCleanupEvent(event(policy), undefined);

    expect(parsed).toEqual({ scheduleName: 'stale-calls', policy });
  });

  it('fills in the defaults: both kinds of call, no allow-list, a cap of 100 calls, not a dry run, no filters', () => {
    const { policy } = parseCleanupEvent(event({ maxAgeSeconds: { inProgress: 3600 } }), undefined);

    expect(policy).toEqual({
      maxAgeSeconds: { inProgress: 3600 },
      apis: ['compatibility', 'calling'],
      neverTouch: [],
      maxCallsToEnd: 100,
      dryRun: false,
    });
  });

  it.each([
    [{ maxAgeSeconds: { inProgress: 59 } }, 'policy.maxAgeSeconds.inProgress', 'range', 'must be >= 60'],
    [
      { maxAgeSeconds: { ringing: 3_000_000 } },
      'policy.maxAgeSeconds.ringing',
      'range',
      'must be <= 2592000',
    ],
    [{ maxAgeSeconds: { queued: '300' } }, 'policy.maxAgeSeconds.queued', 'type', 'must be a whole number'],
    [{ maxAgeSeconds: { queued: 300.5 } }, 'policy.maxAgeSeconds.queued', 'type', 'must be a whole number'],
    [
      { maxAgeSeconds: { completed: 300 } },
      'policy.maxAgeSeconds.completed',
      'unknown-field',
      'is not a known field; allowed: inProgress, queued, ringing',
    ],
    [
      { maxAgeSeconds: {} },
      'policy.maxAgeSeconds',
      'required',
      'must set at least one of: inProgress, queued, ringing',
    ],
    [
      { to: { prefix: ['+1'] } },
      'policy.to.prefix',
      'unknown-field',
      'is not a known field; allowed: prefixes, numbers',
    ],
    [{ from: {} }, 'policy.from', 'required', 'must set at least one of: prefixes, numbers'],
    [{ to: { numbers: [] } }, 'policy.to.numbers', 'minItems', 'must NOT have fewer than 1 items'],
    // Issue 18 item 5: one wording for every trigger; the operator API has always said an empty value this way.
    [{ to: { prefixes: [''] } }, 'policy.to.prefixes[0]', 'length', 'must not be empty'],
    [
      { directions: ['sideways'] },
      'policy.directions[0]',
      'enum',
      'must be one of: inbound, outbound, outbound-api, outbound-dial',
    ],
    [{ apis: ['laml'] }, 'policy.apis[0]', 'enum', 'must be one of: compatibility, calling'],
    [{ apis: [] }, 'policy.apis', 'minItems', 'must NOT have fewer than 1 items'],
    [{ apis: ['calling', 'calling'] }, 'policy.apis', 'unique', 'lists the same value twice'],
    [{ apis: 'calling' }, 'policy.apis', 'type', 'must be an array'],
    [{ neverTouch: '+13105550000' }, 'policy.neverTouch', 'type', 'must be an array'],
    [{ neverTouch: ['+1', '+1'] }, 'policy.neverTouch', 'unique', 'lists the same value twice'],
    [{ maxCallsToEnd: 0 }, 'policy.maxCallsToEnd', 'range', 'must be >= 1'],
    [{ maxCallsToEnd: 10_001 }, 'policy.maxCallsToEnd', 'range', 'must be <= 10000'],
    [{ dryRun: 'true' }, 'policy.dryRun', 'type', 'must be true or false'],
    [{ accountSid: 'project-1' }, 'policy.accountSid', 'format', 'must be a SignalWire Project ID (a UUID)'],
    [
      { maxAge: 300 },
      'policy.maxAge',
      'unknown-field',
      'is not a known field; allowed: maxAgeSeconds, to, from, directions, apis, neverTouch, maxCallsToEnd, dryRun, accountSid',
    ],
  ])('rejects %j, naming %s', (policy, field, rule, message) => {
    const violations = violationsOf(() =>
      parseCleanupEvent(event({ maxAgeSeconds: { inProgress: 3600 }, ...policy }), undefined),
    );

    expect(violations).toEqual([{ field, rule, message: `${field} ${message}` }]);
  });

  it('names every bad field of one policy, not only the first', () => {
    const violations = violationsOf(() =>
      parseCleanupEvent(event({ maxAgeSeconds: { ringing: 10 }, dryRun: 1, colour: 'red' }), undefined),
    );

    expect(violations.map((violation) => violation.field).sort()).toEqual([
      'policy.colour',
      'policy.dryRun',
      'policy.maxAgeSeconds.ringing',
    ]);
  });

  it.each([null, 'nightly', [], 42])(
    'names the input itself when it is %j, not an object (no empty field name)',
    (input) => {
      expect(violationsOf(() => parseCleanupEvent(input, undefined))).toEqual([
        {
          field: 'event',
          rule: 'type',
          message: 'event must be an object: { scheduleName, policy?, scheduler? }',
        },
      ]);
    },
  );

  it('rejects an input without a schedule name, or with a field other than scheduleName, policy and scheduler', () => {
    expect(violationsOf(() => parseCleanupEvent({ policy: {} }, undefined))).toEqual([
      { field: 'scheduleName', rule: 'required', message: 'scheduleName is required' },
    ]);
    expect(violationsOf(() => parseCleanupEvent({ scheduleName: 'a', dryRun: true }, undefined))).toEqual([
      {
        field: 'dryRun',
        rule: 'unknown-field',
        message: 'dryRun is not a known field; allowed: scheduleName, policy, scheduler',
      },
    ]);
    expect(violationsOf(() => parseCleanupEvent({ scheduleName: 'two words' }, undefined))[0]?.field).toBe(
      'scheduleName',
    );
  });

  it("reads the schedule ARN and execution id Scheduler puts in the input, refusing what is not Scheduler's", () => {
    const scheduler = {
      scheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/call-control/stale-calls',
      executionId: 'd32c5kddcf5bb8c3',
      scheduledTime: '2026-11-29T23:00:00Z',
      attemptNumber: '1',
    };
    const input = { scheduleName: 'stale-calls', policy: { maxAgeSeconds: { ringing: 600 } } };

    expect(parseCleanupEvent({ ...input, scheduler }, undefined).scheduler).toEqual(scheduler);
    expect(parseCleanupEvent(input, undefined).scheduler).toBeUndefined();
    expect(
      violationsOf(() =>
        parseCleanupEvent(
          { ...input, scheduler: { ...scheduler, scheduleArn: 'arn:aws:lambda:x' } },
          undefined,
        ),
      )[0]?.field,
    ).toBe('scheduler.scheduleArn');
    expect(
      violationsOf(() =>
        parseCleanupEvent({ ...input, scheduler: { scheduleArn: scheduler.scheduleArn } }, undefined),
      )[0]?.field,
    ).toBe('scheduler.executionId');
  });

  it('refuses a run whose policy sets no maximum age anywhere, so nothing can be ended by accident', () => {
    const violations = violationsOf(() =>
      parseCleanupEvent({ scheduleName: 'a', policy: { dryRun: true } }, { neverTouch: ['+1'] }),
    );

    expect(violations).toEqual([
      {
        field: 'maxAgeSeconds',
        rule: 'required',
        message: "maxAgeSeconds is required, in the schedule's policy or in CLEANUP_DEFAULT_POLICY",
      },
    ]);
  });
});

describe('CLEANUP_DEFAULT_POLICY', () => {
  it('is optional: unset or blank means no default', () => {
    expect(parseDefaultPolicy(undefined)).toBeUndefined();
    expect(parseDefaultPolicy('  ')).toBeUndefined();
  });

  it('may omit maxAgeSeconds when every schedule sets its own', () => {
    expect(parseDefaultPolicy('{"neverTouch":["+13105550000"],"maxCallsToEnd":20}')).toEqual({
      neverTouch: ['+13105550000'],
      maxCallsToEnd: 20,
    });
  });

  it('fails loudly, naming the variable, when it is not JSON', () => {
    expect(() => parseDefaultPolicy('{maxAgeSeconds: 1}')).toThrow(
      'environment variable CLEANUP_DEFAULT_POLICY must be a JSON object',
    );
  });

  it('names a bad field with the variable it was written in', () => {
    const violations = violationsOf(() => parseDefaultPolicy('{"maxCallsToEnd":-1,"dry_run":true}'));

    expect(violations.map((violation) => violation.field).sort()).toEqual([
      'CLEANUP_DEFAULT_POLICY.dry_run',
      'CLEANUP_DEFAULT_POLICY.maxCallsToEnd',
    ]);
  });

  it('rejects a JSON value that is not an object', () => {
    expect(violationsOf(() => parsePolicyInput([1], 'CLEANUP_DEFAULT_POLICY'))).toEqual([
      {
        field: 'CLEANUP_DEFAULT_POLICY',
        rule: 'type',
        message: 'CLEANUP_DEFAULT_POLICY must be an object',
      },
    ]);
  });
});

describe('merging a schedule policy over the default', () => {
  const defaults: CleanupPolicyInput = {
    maxAgeSeconds: { inProgress: 14_400, ringing: 300 },
    to: { prefixes: ['+1'] },
    neverTouch: ['+13105550000'],
    maxCallsToEnd: 50,
    dryRun: true,
  };

  it('applies the default alone when the schedule gives no policy', () => {
    const { policy } = parseCleanupEvent({ scheduleName: 'default-only' }, defaults);

    expect(policy).toEqual({ ...defaults, apis: ['compatibility', 'calling'], neverTouch: ['+13105550000'] });
  });

  it('lets each field the schedule sets replace the default whole, and keeps the others', () => {
    const policy = resolvePolicy(defaults, { maxAgeSeconds: { queued: 600 }, dryRun: false });

    expect(policy).toEqual({
      maxAgeSeconds: { queued: 600 },
      to: { prefixes: ['+1'] },
      apis: ['compatibility', 'calling'],
      neverTouch: ['+13105550000'],
      maxCallsToEnd: 50,
      dryRun: false,
    });
  });

  it('lets a schedule narrow the kinds of call the default covers', () => {
    expect(resolvePolicy({ ...defaults, apis: ['calling'] }, { apis: ['compatibility'] }).apis).toEqual([
      'compatibility',
    ]);
    expect(resolvePolicy({ ...defaults, apis: ['calling'] }, {}).apis).toEqual(['calling']);
  });

  it('joins the allow-lists: a schedule can protect more calls but not unprotect the default ones', () => {
    const policy = resolvePolicy(defaults, { neverTouch: ['+14155550100', '+13105550000'] });

    expect(policy.neverTouch).toEqual(['+13105550000', '+14155550100']);
  });

  it('validates the schedule policy on its own, before merging', () => {
    const violations = violationsOf(() => parseCleanupEvent(event({ maxCallsToEnd: 'all' }), defaults));

    expect(violations).toEqual([
      { field: 'policy.maxCallsToEnd', rule: 'type', message: 'policy.maxCallsToEnd must be a whole number' },
    ]);
  });
});
