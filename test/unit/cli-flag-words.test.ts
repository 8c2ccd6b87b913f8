import { describe, expect, it } from 'vitest';
import { parsePolicyInput, resolvePolicy } from '#commons/cleanup/policy';
import { type FieldViolation, RequestValidationError } from '#commons/errors';
import { CliError, type Hint } from '../../cli/core/errors.ts';
import { inFlagWords, pairHint, refusalInFlagWords } from '../../cli/core/flag-words.ts';
import { policyRefusal } from '../../cli/core/policy-refusal.ts';

/**
 * A refusal says what the operator typed: the flag (`--method`, `--max-age-in-progress 30s`), never the API's or
 * the policy's field (`Method`, `policy.maxAgeSeconds.inProgress`), with what to give instead. The violations
 * here are the function's own validator's, as `call-control cleanup` meets them.
 */

/** The function's own refusal of a cleanup policy input. */
const violationsOf = (input: object): FieldViolation[] => {
  try {
    resolvePolicy(undefined, parsePolicyInput(input as never, 'policy'));
  } catch (error) {
    if (error instanceof RequestValidationError) return error.violations;
    throw error;
  }
  throw new Error('the policy was accepted');
};

const said = (hint: Hint | undefined): string | undefined =>
  typeof hint === 'function' ? hint((args) => `call-control ${args}`) : hint;

describe('a refused cleanup policy, in the flags typed', () => {
  it('a --max-age-* below the floor names the flag and value typed, and one hint names every such flag', () => {
    const error = policyRefusal(
      violationsOf({ maxAgeSeconds: { inProgress: 30, ringing: 0 } }),
      new Map([
        ['maxAgeSeconds.inProgress', '--max-age-in-progress 30s (30 s)'],
        ['maxAgeSeconds.ringing', '--max-age-ringing 0m (0 s)'],
      ]),
    );
    expect(error.message).toBe(
      'invalid policy: --max-age-in-progress 30s (30 s) is too short: a maximum age is at least 1m (60 s); --max-age-ringing 0m (0 s) is too short: a maximum age is at least 1m (60 s)',
    );
    expect(error.hint).toBe(
      'Give --max-age-in-progress and --max-age-ringing 1m or more: nothing younger than 1m counts as stuck (the floor also catches an age typed in the wrong unit, 30s meant as 30m). See `call-control cleanup --help`. Nothing was ended.',
    );
    expect(error.exitCode).toBe(2);
  });

  it('a --max-age-* above the ceiling says the most it may be, in days', () => {
    const error = policyRefusal(
      violationsOf({ maxAgeSeconds: { queued: 31 * 86_400 } }),
      new Map([['maxAgeSeconds.queued', '--max-age-queued 31d (2678400 s)']]),
    );
    expect(error.message).toBe(
      'invalid policy: --max-age-queued 31d (2678400 s) is too long: a maximum age is at most 30d (2592000 s)',
    );
    expect(error.hint).toBe(
      'Give --max-age-queued 30d or less. See `call-control cleanup --help`. Nothing was ended.',
    );
  });

  it('--max-calls out of range says the range, as the circuit breaker it is', () => {
    for (const [value, bound] of [
      ['0', 'at least 1'],
      ['20000', 'at most 10000'],
    ]) {
      const error = policyRefusal(
        violationsOf({ maxAgeSeconds: { inProgress: 3600 }, maxCallsToEnd: Number(value) }),
        new Map([['maxCallsToEnd', `--max-calls ${value}`]]),
      );
      expect(error.message).toBe(
        `invalid policy: --max-calls ${value} is out of range: --max-calls must be ${bound}`,
      );
      expect(error.hint).toBe(
        '--max-calls is the circuit breaker, the most calls one run ends: from 1 to 10000. See `call-control cleanup --help`. Nothing was ended.',
      );
    }
  });

  it('no maximum age at all names the three flags and the range, in hours, minutes and days', () => {
    const error = policyRefusal(
      [{ field: 'maxAgeSeconds', rule: 'required', message: 'maxAgeSeconds is required' }],
      new Map(),
    );
    expect(error.message).toBe(
      'invalid policy: no maximum age was given: the policy needs at least one of --max-age-in-progress, --max-age-ringing or --max-age-queued (or maxAgeSeconds in --policy-file)',
    );
    expect(error.hint).toBe(
      'A state without a maximum age is never cleaned: give one for each state to clean, such as --max-age-in-progress 1h (1m to 30d). See `call-control cleanup --help`. Nothing was ended.',
    );
    expect(policyRefusal(violationsOf({ maxAgeSeconds: {} }), new Map()).message).toContain(
      'no maximum age was given',
    );
  });

  it('a field from --policy-file keeps the file’s own name; any other rule of a flag keeps its words after the flag', () => {
    const fromFile = policyRefusal(violationsOf({ maxAgeSeconds: { ringing: 5 } }), new Map());
    expect(fromFile.message).toBe('invalid policy: policy.maxAgeSeconds.ringing must be >= 60');
    expect(fromFile.hint).toBe('See `call-control cleanup --help`. Nothing was ended.');
    const other = policyRefusal(
      [
        {
          field: 'policy.to.prefixes[0]',
          rule: 'format',
          message: 'policy.to.prefixes[0] must start with +',
        },
      ],
      new Map([['to.prefixes[0]', '--to-prefix 44']]),
    );
    expect(other.message).toBe('invalid policy: --to-prefix 44 must start with +');
    const unlike = policyRefusal(
      [{ field: 'policy.maxCallsToEnd', rule: 'type', message: 'a number is needed' }],
      new Map([['maxCallsToEnd', '--max-calls x']]),
    );
    expect(unlike.message).toBe('invalid policy: a number is needed');
  });

  it('keeps the validator’s words for any other rule of those fields, after the flag typed', () => {
    expect(
      policyRefusal(
        violationsOf({ maxAgeSeconds: { inProgress: 3600 }, maxCallsToEnd: 'x' }),
        new Map([['maxCallsToEnd', '--max-calls x']]),
      ).message,
    ).toBe('invalid policy: --max-calls x must be a whole number');
    const shape = policyRefusal(
      [{ field: 'policy.maxAgeSeconds', rule: 'type', message: 'policy.maxAgeSeconds must be an object' }],
      new Map(),
    );
    expect(shape.message).toBe('invalid policy: policy.maxAgeSeconds must be an object');
    const otherRequired = policyRefusal(
      [{ field: 'policy.to.prefixes', rule: 'required', message: 'policy.to.prefixes is required' }],
      new Map(),
    );
    expect(otherRequired.message).toBe('invalid policy: policy.to.prefixes is required');
    // A bound of another field is said as the validator says it, not as the --max-calls range.
    const otherBound = policyRefusal(
      [{ field: 'policy.to.prefixes[0]', rule: 'range', message: 'policy.to.prefixes[0] must be <= 15' }],
      new Map([['to.prefixes[0]', '--to-prefix +4420']]),
    );
    expect([otherBound.message, otherBound.hint]).toEqual([
      'invalid policy: --to-prefix +4420 must be <= 15',
      'See `call-control cleanup --help`. Nothing was ended.',
    ]);
  });

  it('gives every hint of a refusal, each once, in the order of the violations', () => {
    const error = policyRefusal(
      violationsOf({ maxAgeSeconds: { inProgress: 30 }, maxCallsToEnd: 0 }),
      new Map([
        ['maxAgeSeconds.inProgress', '--max-age-in-progress 30s (30 s)'],
        ['maxCallsToEnd', '--max-calls 0'],
      ]),
    );
    expect(error.hint).toBe(
      'Give --max-age-in-progress 1m or more: nothing younger than 1m counts as stuck (the floor also catches an age typed in the wrong unit, 30s meant as 30m). --max-calls is the circuit breaker, the most calls one run ends: from 1 to 10000. See `call-control cleanup --help`. Nothing was ended.',
    );
  });

  it('states an age in the largest whole unit: days, hours, minutes, else seconds', () => {
    const tooLong = (limit: number) =>
      policyRefusal(
        [
          {
            field: 'policy.maxAgeSeconds.inProgress',
            rule: 'range',
            message: `policy.maxAgeSeconds.inProgress must be <= ${limit}`,
          },
        ],
        new Map([['maxAgeSeconds.inProgress', '--max-age-in-progress 99d']]),
      ).message;
    expect(tooLong(172_800)).toContain('at most 2d (172800 s)');
    expect(tooLong(7_200)).toContain('at most 2h (7200 s)');
    expect(tooLong(120)).toContain('at most 2m (120 s)');
    expect(tooLong(90)).toContain('at most 90s (90 s)');
  });

  it('says a hint shared by two refusals once', () => {
    const error = policyRefusal(
      [
        { field: 'policy.maxCallsToEnd', rule: 'range', message: 'policy.maxCallsToEnd must be >= 1' },
        { field: 'policy.maxCallsToEnd', rule: 'range', message: 'policy.maxCallsToEnd must be >= 1' },
      ],
      new Map([['maxCallsToEnd', '--max-calls 0']]),
    );
    expect(String(error.hint).split('circuit breaker').length).toBe(2);
  });
});

describe('a refused change, in the flags typed', () => {
  it('names each flag for its field, longest first and whole words only', () => {
    expect(inFlagWords('Method is only allowed together with Url')).toBe(
      '--method is only allowed together with --url',
    );
    expect(
      inFlagWords(
        'StatusCallbackMethod needs StatusCallback; FallbackMethod needs FallbackUrl; Status; dest; Urls; MyMethod',
      ),
    ).toBe(
      '--status-callback-method needs --status-callback; --fallback-method needs --fallback-url; --status; --to; Urls; MyMethod',
    );
    expect(inFlagWords('Status must be completed or canceled: use completed to hang up')).toBe(
      '--status must be completed or canceled: use --status completed (or `calls end`) to hang up',
    );
  });

  it('tells what to do about a flag given without the one it goes with, and nothing for other refusals', () => {
    expect(pairHint('--method is only allowed together with --url')).toBe(
      'Give --url too, or leave out --method.',
    );
    expect(pairHint('x --method is only allowed together with --url')).toBeUndefined();
    expect(pairHint('--method is only allowed together with --url!')).toBeUndefined();
    expect(pairHint('--url must be https')).toBeUndefined();
  });

  const refused = (message: string, code = 'INVALID_REQUEST') =>
    new CliError(message, 'the API’s hint', 2, code);

  it('a Compatibility field on a native call: the flag, why a native call has none, and what instead', () => {
    const cases: [string, string, string][] = [
      [
        'Method',
        '--method is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): the Calling API fetches the SWML at --url itself, with no method to choose',
        'Leave out --method: `call-control calls redirect CA1 --url` and the same URL redirects a native call.',
      ],
      [
        'FallbackMethod',
        '--fallback-method is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): the Calling API takes a fallback URL with no method',
        'Leave out --fallback-method; --fallback-url (given with --url) is taken as it is.',
      ],
      [
        'StatusCallback',
        '--status-callback is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): a native call reports its status to the status_url / call_state_url set when it was created (in its SWML or RELAY dial), which an update cannot change',
        'Leave out --status-callback (and --status-callback-method); change the URLs where the call is created.',
      ],
      [
        'StatusCallbackMethod',
        '--status-callback-method is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): a native call reports its status to the status_url / call_state_url set when it was created, which an update cannot change',
        'Leave out --status-callback-method (and --status-callback).',
      ],
    ];
    for (const [field, message, hint] of cases) {
      const error = refusalInFlagWords(
        refused(
          `${field} is a Compatibility API field; the native Calling API, which owns this call, has none (and 2 more)`,
        ),
        'CA1',
      ) as CliError;
      expect(error.message).toBe(
        `${message} (and 2 more of --method, --fallback-method, --status-callback, --status-callback-method, which a native call does not take either)`,
      );
      expect(said(error.hint)).toBe(hint);
      expect([error.code, error.exitCode]).toEqual(['INVALID_REQUEST', 2]);
    }
  });

  it('a single Compatibility field on a native call, or a count of two digits, said in full', () => {
    const one = refusalInFlagWords(
      refused('Method is a Compatibility API field; the native Calling API, which owns this call, has none'),
      'CA1',
    ) as CliError;
    expect(one.message).toBe(
      '--method is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): the Calling API fetches the SWML at --url itself, with no method to choose',
    );
    const many = refusalInFlagWords(
      refused('FallbackUrl needs Url for a native call (and 12 more)'),
      'CA1',
    ) as CliError;
    expect(many.message).toMatch(/only with a redirect \(and 12 more\)$/);
    // The count is the API's last words only: the same text inside the message is no count.
    const inside = refusalInFlagWords(
      refused('FallbackUrl needs Url for a native call (and 3 more) here'),
      'CA1',
    ) as CliError;
    expect(inside.message).toMatch(/only with a redirect$/);
  });

  it('--fallback-url without --url on a native call, and `calls transfer` of a Compatibility call', () => {
    const fallback = refusalInFlagWords(
      refused('FallbackUrl needs Url for a native call (and 1 more)'),
      'CA9',
    ) as CliError;
    expect(fallback.message).toBe(
      '--fallback-url needs --url for a native call: the Calling API sets a fallback only with a redirect (and 1 more)',
    );
    expect(said(fallback.hint)).toBe(
      'Give --url with it (the SWML to redirect the call to), or leave out --fallback-url.',
    );
    const transfer = refusalInFlagWords(
      refused(
        'transfer is a native Calling API command; the Compatibility API, which owns this call, has none',
      ),
      'CA9',
    ) as CliError;
    expect(transfer.message).toBe(
      '`calls transfer` is for native calls (SWML, RELAY, AI agents), and this one is a Compatibility call (cXML), whose API has no transfer',
    );
    expect(said(transfer.hint)).toBe(
      "Redirect it to cXML that dials the destination instead: `call-control calls redirect CA9 --url` and that cXML's URL.",
    );
  });

  it('any other refusal in flag words with its own hint; the conflict of --status canceled too; nothing else touched', () => {
    const other = refusalInFlagWords(refused('Url must be an https URL'), 'CA1') as CliError;
    expect([other.message, other.hint, other.cause]).toEqual([
      '--url must be an https URL',
      'the API’s hint',
      expect.any(CliError),
    ]);
    const conflict = refusalInFlagWords(
      refused('Status canceled applies to a queued or ringing call', 'CALL_STATE_CONFLICT'),
      'CA1',
    ) as CliError;
    expect([conflict.message, conflict.code]).toEqual([
      '--status canceled applies to a queued or ringing call',
      'CALL_STATE_CONFLICT',
    ]);
    const unrelated = refused('Status completed applies to a live call', 'CALL_STATE_CONFLICT');
    expect(refusalInFlagWords(unrelated, 'CA1')).toBe(unrelated);
    const notFound = refused('Url not found', 'CALL_NOT_FOUND');
    expect(refusalInFlagWords(notFound, 'CA1')).toBe(notFound);
    const plain = new Error('Url');
    expect(refusalInFlagWords(plain, 'CA1')).toBe(plain);
    const upstream = refused(
      'Status canceled was not applied: SignalWire answered HTTP 502',
      'UPSTREAM_FAILED',
    );
    expect(refusalInFlagWords(upstream, 'CA1')).toBe(upstream);
    for (const thrown of [null, undefined, 'Url']) expect(refusalInFlagWords(thrown, 'CA1')).toBe(thrown);
  });
});
