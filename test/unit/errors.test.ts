import { IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import {
  AccountNotConfiguredError,
  CredentialsError,
  describeError,
  isCallNotFound,
  isConfigurationFailure,
  MAX_LISTED_VIOLATIONS,
  MAX_VIOLATION_MESSAGE_CHARS,
  publicError,
  RedirectOutcomeUnknownError,
  RequestRejectedError,
  RequestValidationError,
  redirectCertainlyNotApplied,
  SignalWireError,
  SignalWireNetworkError,
} from '#commons/errors';
import { EventTooOldError, freshnessOf } from '#commons/platform/freshness';
import { MAX_ECHOED_NAME_CHARS } from '#commons/platform/settings';
import { eventTooOld } from '#commons/update-requests/event-time';

const upstream = (status: number, code?: number, retryAfter?: number) =>
  new SignalWireError(status, { code, message: `m${code ?? ''}`, moreInfo: 'https://x' }, retryAfter);

describe('describeError maps every failure to one stable code and status', () => {
  it.each([
    [upstream(404, 20404), 'CALL_NOT_FOUND', 404, false],
    [upstream(400, 10000), 'CALL_STATE_CONFLICT', 409, false],
    [upstream(422, 10000), 'CALL_STATE_CONFLICT', 409, false],
    [upstream(400, 21220), 'CALL_STATE_CONFLICT', 409, false],
    [upstream(400, 21209), 'UPSTREAM_REJECTED', 422, false],
    [upstream(401, 20003), 'UPSTREAM_AUTH_FAILED', 502, false],
    [upstream(403), 'UPSTREAM_AUTH_FAILED', 502, false],
    [upstream(429, 20429), 'UPSTREAM_RATE_LIMITED', 503, true],
    [upstream(503), 'UPSTREAM_UNAVAILABLE', 503, true],
    [upstream(500), 'UPSTREAM_ERROR', 502, true],
    [new SignalWireNetworkError('timeout', true, 't'), 'UPSTREAM_TIMEOUT', 504, true],
    [new SignalWireNetworkError('connection', false, 'c'), 'UPSTREAM_UNREACHABLE', 502, true],
    [new CredentialsError('bad', false), 'CREDENTIALS_UNAVAILABLE', 500, false],
    [new CredentialsError('down', true), 'CREDENTIALS_UNAVAILABLE', 503, true],
    [new AccountNotConfiguredError('x'), 'ACCOUNT_NOT_CONFIGURED', 404, false],
    [
      new RequestValidationError([{ field: 'Url', rule: 'url', message: 'Url must be…' }]),
      'INVALID_REQUEST',
      400,
      false,
    ],
    [new Error('boom'), 'INTERNAL_ERROR', 500, true],
  ])('%o -> %s %i', (error, code, httpStatus, retryable) => {
    expect(describeError(error)).toMatchObject({ code, httpStatus, retryable });
  });

  it('describes an event older than the idempotency window as a final EVENT_TOO_OLD naming its time and the limit', () => {
    const error = new EventTooOldError('2026-12-01T10:00:00.000Z', 85_800, 432_000);

    expect(publicError(describeError(error))).toEqual({
      code: 'EVENT_TOO_OLD',
      message:
        "the event's time 2026-12-01T10:00:00.000Z is 432000 s old, more than the 85800 s within which its " +
        'exactly-once record is certain to exist; this delivery was not applied, but the request may have been ' +
        'when first delivered: check the call and its audit records before publishing it again as a new event',
      retryable: false,
      eventTime: '2026-12-01T10:00:00.000Z',
      maxEventAgeSeconds: 85_800,
    });
    expect(isConfigurationFailure(describeError(error))).toBe(false);
  });

  it('never says an event just past the limit is as old as the limit (its age rounded up to the second)', () => {
    const freshness = freshnessOf(86_400);
    const now = new Date('2026-12-06T21:00:00.000Z');
    const justPast = now.getTime() - freshness.maxAgeSeconds * 1000 - 400;

    const refused = eventTooOld(justPast, now, freshness);

    expect(refused?.message).toContain(
      `is ${freshness.maxAgeSeconds + 1} s old, more than the ${freshness.maxAgeSeconds} s`,
    );
    expect(eventTooOld(justPast + 400, now, freshness)).toBeUndefined();
  });

  it('reads 10000 on a read or a list as a refused value, not a call-state conflict', () => {
    expect(describeError(upstream(400, 10000), { operation: 'read' })).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      httpStatus: 422,
    });
  });

  it('carries SignalWire code, message and more_info', () => {
    expect(describeError(upstream(400, 10000)).signalwire).toEqual({
      status: 400,
      code: 10000,
      message: 'm10000',
      more_info: 'https://x',
    });
  });

  it('passes on Retry-After, defaulting to one second', () => {
    expect(describeError(upstream(429, 20429, 7)).retryAfterSeconds).toBe(7);
    expect(describeError(upstream(503)).retryAfterSeconds).toBe(1);
  });

  it('calls a lost redirect an unknown outcome, never a plain timeout to retry', () => {
    const lost = new RedirectOutcomeUnknownError(new SignalWireNetworkError('timeout', true, 't'));

    expect(describeError(lost, { redirect: true })).toMatchObject({
      code: 'REDIRECT_OUTCOME_UNKNOWN',
      httpStatus: 504,
      retryable: false,
    });
    expect(describeError(new SignalWireNetworkError('connection', false, 'c'), { redirect: true }).code).toBe(
      'UPSTREAM_UNREACHABLE',
    );
  });

  it("calls a redirect's 5xx answer an unknown outcome, final, with SignalWire's answer; 504 as a timeout", () => {
    for (const [status, httpStatus] of [
      [500, 502],
      [502, 502],
      [504, 504],
    ] as const) {
      expect(describeError(new RedirectOutcomeUnknownError(upstream(status)))).toMatchObject({
        code: 'REDIRECT_OUTCOME_UNKNOWN',
        httpStatus,
        retryable: false,
        signalwire: { status },
      });
    }
  });

  it('treats a failed safety read before a redirect as an ordinary, retryable failure', () => {
    // The client throws the GET's own error: nothing was redirected.
    expect(describeError(new SignalWireNetworkError('timeout', true, 't'), { redirect: true })).toMatchObject(
      { code: 'UPSTREAM_TIMEOUT', retryable: true },
    );
  });

  it('knows which failed redirects certainly changed nothing', () => {
    expect(redirectCertainlyNotApplied(upstream(400, 21220))).toBe(true);
    expect(redirectCertainlyNotApplied(upstream(429))).toBe(true);
    expect(redirectCertainlyNotApplied(new SignalWireNetworkError('connection', false, 'c'))).toBe(true);
    expect(redirectCertainlyNotApplied(upstream(500))).toBe(false);
    expect(redirectCertainlyNotApplied(upstream(502))).toBe(false);
    expect(redirectCertainlyNotApplied(upstream(504))).toBe(false);
    expect(redirectCertainlyNotApplied(new SignalWireNetworkError('connection', true, 'c'))).toBe(false);
  });

  it('a 3xx answer to a redirect refuses nothing: its outcome stays unknown', () => {
    expect(redirectCertainlyNotApplied(upstream(302))).toBe(false);
    expect(redirectCertainlyNotApplied(upstream(399))).toBe(false);
  });

  it('gateway 503 after forwarding: a redirect answered 503 may have been applied, so its outcome is unknown', () => {
    expect(redirectCertainlyNotApplied(upstream(503))).toBe(false);
  });

  it('tells failures of our own configuration from what SignalWire decided about the call', () => {
    const configuration = [
      new CredentialsError('secret.apiToken is missing', false),
      new AccountNotConfiguredError('0f6e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f'),
      upstream(401, 20003),
    ];
    const decided = [upstream(404, 20404), upstream(400, 21220), upstream(422, 21205)];

    expect(configuration.map((error) => isConfigurationFailure(describeError(error)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(decided.map((error) => isConfigurationFailure(describeError(error)))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('tells a call SignalWire does not know (HTTP 404, or its code 20404) from every other failure', () => {
    expect([upstream(404), upstream(404, 20404), upstream(400, 20404)].map(isCallNotFound)).toEqual([
      true,
      true,
      true,
    ]);
    const others: unknown[] = [upstream(400, 21220), upstream(409, 10000), upstream(410), upstream(500)];
    others.push(new SignalWireNetworkError('connection', false, 'refused'));
    expect([...others, new Error('404'), { status: 404 }, undefined].map(isCallNotFound)).toEqual(
      Array(others.length + 3).fill(false),
    );
  });

  it('reveals nothing of an unexpected error', () => {
    expect(describeError(new Error('token=PTsecret')).message).toBe('internal error');
  });

  it('describes a thrown value that is no Error (undefined, null, text) as an internal error too', () => {
    for (const thrown of [undefined, null, 'PTsecret', 42]) {
      expect(describeError(thrown), String(thrown)).toEqual({
        code: 'INTERNAL_ERROR',
        httpStatus: 500,
        message: 'internal error',
        retryable: true,
      });
    }
  });
});

describe("the idempotency table failing (Powertools' IdempotencyPersistenceLayerError)", () => {
  /** An AWS SDK error as the DynamoDB client throws it: its `name` is the exception's. */
  const awsError = (name: unknown): Error => Object.assign(new Error('the table said no'), { name });
  const storeFailure = (message: string, cause?: unknown) =>
    new IdempotencyPersistenceLayerError(message, cause === undefined ? undefined : { cause });
  const SAVE_IN_PROGRESS = 'Failed to save in progress record to idempotency store';

  it('says nothing was sent when the in-progress record could not be written, naming the AWS error', () => {
    expect(describeError(storeFailure(SAVE_IN_PROGRESS, awsError('ResourceNotFoundException')))).toEqual({
      code: 'INTERNAL_ERROR',
      httpStatus: 500,
      message:
        'the idempotency table could not be written before acting (ResourceNotFoundException): nothing was ' +
        'sent to SignalWire, and the request is retried',
      retryable: true,
    });
  });

  it('says only that the table could not be used when it failed after acting', () => {
    const failure = storeFailure(
      'Failed to update success record to idempotency store',
      awsError('ProvisionedThroughputExceededException'),
    );
    expect(describeError(failure)).toEqual({
      code: 'INTERNAL_ERROR',
      httpStatus: 500,
      message: 'the idempotency table could not be used (ProvisionedThroughputExceededException)',
      retryable: true,
    });
  });

  it('names no cause that is absent, nameless or not a plain AWS error name (spaces, markup, too long)', () => {
    const causes = [undefined, {}, awsError(7), awsError('Access Denied'), awsError('<b>x</b>Exception')];
    causes.push(awsError(`${'A'.repeat(64)}B`), awsError(''));
    for (const cause of causes) {
      expect(describeError(storeFailure(SAVE_IN_PROGRESS, cause)).message, String(cause)).toMatch(
        /^the idempotency table could not be written before acting \(unknown\): nothing was sent/,
      );
    }
    expect(describeError(storeFailure(SAVE_IN_PROGRESS, awsError('A'.repeat(64)))).message).toContain(
      `(${'A'.repeat(64)})`,
    );
  });
});

describe('what a caller reads of a failure', () => {
  it.each([
    [upstream(404), {}, 'CALL_NOT_FOUND', 'SignalWire has no such call'],
    [upstream(400, 20404), {}, 'CALL_NOT_FOUND', 'SignalWire has no such call'],
    [upstream(400, 10000), {}, 'CALL_STATE_CONFLICT', "the call's state does not allow this update: m10000"],
    [upstream(400, 21209), {}, 'UPSTREAM_REJECTED', 'SignalWire rejected the update: m21209'],
    [
      upstream(400, 10000),
      { operation: 'read' },
      'UPSTREAM_REJECTED',
      'SignalWire rejected the request: m10000',
    ],
    [
      upstream(403),
      {},
      'UPSTREAM_AUTH_FAILED',
      'SignalWire rejected the configured credentials (check the API token and its Voice scope)',
    ],
    [
      upstream(429),
      {},
      'UPSTREAM_RATE_LIMITED',
      'SignalWire is rate-limiting this project; retries were exhausted',
    ],
    [
      upstream(503),
      {},
      'UPSTREAM_UNAVAILABLE',
      'SignalWire is temporarily unavailable; retries were exhausted',
    ],
    [upstream(500), {}, 'UPSTREAM_ERROR', 'SignalWire answered 500'],
    [upstream(399), {}, 'UPSTREAM_ERROR', 'SignalWire answered 399'],
    [
      new SignalWireNetworkError('timeout', true, 't'),
      {},
      'UPSTREAM_TIMEOUT',
      'SignalWire did not answer in time',
    ],
    [
      new SignalWireNetworkError('connection', false, 'ECONNREFUSED'),
      {},
      'UPSTREAM_UNREACHABLE',
      'could not reach SignalWire: ECONNREFUSED',
    ],
    [
      new RedirectOutcomeUnknownError(upstream(502)),
      { redirect: true },
      'REDIRECT_OUTCOME_UNKNOWN',
      'the redirect may or may not have been applied (m) and was not resent (a repeated redirect restarts the call flow); check the call before retrying',
    ],
    [
      new AccountNotConfiguredError('0f6e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f'),
      {},
      'ACCOUNT_NOT_CONFIGURED',
      'account 0f6e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f is not configured in the SignalWire secret',
    ],
  ] as const)('%o (%o) -> %s: "%s"', (error, context, code, message) => {
    expect(publicError(describeError(error, context))).toMatchObject({ code, message });
  });

  it('names the account the secret does not hold', () => {
    const error = new AccountNotConfiguredError('0f6e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f');

    expect(publicError(describeError(error)).message).toBe(
      'account 0f6e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f is not configured in the SignalWire secret',
    );
  });

  it('refuses an unusable HTTP request as final, with its own code and status', () => {
    const rejected = new RequestRejectedError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');

    expect(describeError(rejected)).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      httpStatus: 415,
      message: 'send application/json',
      retryable: false,
    });
  });

  it('tells a caller to come back in 5 s only when the credentials may load later', () => {
    expect(describeError(new CredentialsError('Secrets Manager is throttling', true))).toMatchObject({
      httpStatus: 503,
      retryAfterSeconds: 5,
    });
    expect(describeError(new CredentialsError('secret.apiToken is missing', false))).not.toHaveProperty(
      'retryAfterSeconds',
    );
  });

  it('names each error by its class in what the logs write', () => {
    const errors = [
      upstream(500),
      new SignalWireNetworkError('timeout', true, 't'),
      new RedirectOutcomeUnknownError(upstream(502)),
      new AccountNotConfiguredError('x'),
      new RequestValidationError([]),
      new RequestRejectedError(404, 'ROUTE_NOT_FOUND', 'no such route'),
    ];

    expect(errors.map((error) => String(error).split(':')[0])).toEqual([
      'SignalWireError',
      'SignalWireNetworkError',
      'RedirectOutcomeUnknownError',
      'AccountNotConfiguredError',
      'RequestValidationError',
      'RequestRejectedError',
    ]);
  });
});

describe("the function's own timeout (middy's timeoutEarlyInMillis)", () => {
  const middyTimeout = () =>
    Object.assign(
      new Error('[AbortError]: The operation was aborted.', { cause: { package: '@middy/core' } }),
      {
        name: 'TimeoutError',
      },
    );

  it('leaves a redirect in flight with an unknown outcome, final, as a 504', () => {
    expect(describeError(middyTimeout(), { redirect: true })).toEqual({
      code: 'REDIRECT_OUTCOME_UNKNOWN',
      httpStatus: 504,
      message:
        'the redirect may or may not have been applied (the function ran out of time before SignalWire answered) ' +
        'and was not resent (a repeated redirect restarts the call flow); check the call before retrying',
      retryable: false,
    });
  });

  it('is a timeout to retry for any other action', () => {
    expect(describeError(middyTimeout())).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      httpStatus: 504,
      message: 'SignalWire did not answer in time',
      retryable: true,
    });
  });

  it('is told apart from another TimeoutError, an error without a cause, or an object that is not an Error', () => {
    const others = [
      Object.assign(new Error('aws-sdk timed out'), { name: 'TimeoutError' }),
      Object.assign(new Error('aborted', { cause: { package: '@middy/core' } }), { name: 'AbortError' }),
      { name: 'TimeoutError', message: 'x', cause: { package: '@middy/core' } },
    ];

    expect(others.map((error) => describeError(error, { redirect: true }).code)).toEqual([
      'INTERNAL_ERROR',
      'INTERNAL_ERROR',
      'INTERNAL_ERROR',
    ]);
  });
});

describe('a refused input, as the caller reads it', () => {
  const violation = (field: string, message = `${field} is wrong`, rule = 'format') => ({
    field,
    rule,
    message,
  });

  it('says how many more violations follow the first in its message', () => {
    expect(new RequestValidationError([violation('Url')]).message).toBe('Url is wrong');
    expect(new RequestValidationError([violation('Url'), violation('To')]).message).toBe(
      'Url is wrong (and 1 more)',
    );
    expect(new RequestValidationError([violation('Url'), violation('To'), violation('From')]).message).toBe(
      'Url is wrong (and 2 more)',
    );
    expect(new RequestValidationError([]).message).toBe('invalid request');
  });

  it(`lists ${MAX_LISTED_VIOLATIONS} violations and counts the rest, in the HTTP body and the event alike`, () => {
    const many = Array.from({ length: MAX_LISTED_VIOLATIONS + 2 }, (_, i) => violation(`F${i}`));
    const exactly = many.slice(0, MAX_LISTED_VIOLATIONS);

    const body = publicError(describeError(new RequestValidationError(many)));
    const full = publicError(describeError(new RequestValidationError(exactly)));

    expect(body.violations).toHaveLength(MAX_LISTED_VIOLATIONS);
    expect(body.moreViolations).toBe(2);
    expect(describeError(new RequestValidationError(many)).moreViolations).toBe(2);
    expect(full.violations?.map((v) => v.field)).toEqual(exactly.map((v) => v.field));
    expect(full).not.toHaveProperty('moreViolations');
    expect(describeError(new RequestValidationError(exactly))).not.toHaveProperty('moreViolations');
  });

  it('never leaves a field or a rule empty, and cuts a long field name, rule or message with an ellipsis', () => {
    const longest = 'F'.repeat(MAX_ECHOED_NAME_CHARS);
    const [empty, atLimit, over, longMessage, emoji] = new RequestValidationError([
      violation('', 'no name', ''),
      violation(longest, 'fits'),
      violation(`${longest}G`, 'too long', `${'r'.repeat(MAX_ECHOED_NAME_CHARS)}s`),
      violation('Url', 'm'.repeat(MAX_VIOLATION_MESSAGE_CHARS + 1)),
      violation('To', '📞'.repeat(MAX_VIOLATION_MESSAGE_CHARS)),
    ]).violations;

    expect(empty).toEqual({ field: '""', rule: 'invalid', message: 'no name' });
    expect(atLimit?.field).toBe(longest);
    expect(over?.field).toBe(`${'F'.repeat(MAX_ECHOED_NAME_CHARS - 1)}…`);
    expect(over?.rule).toBe(`${'r'.repeat(MAX_ECHOED_NAME_CHARS - 1)}…`);
    expect(longMessage?.message).toBe(`${'m'.repeat(MAX_VIOLATION_MESSAGE_CHARS - 1)}…`);
    // Counted in characters, not UTF-16 units: a message of exactly the limit is kept whole.
    expect(emoji?.message).toBe('📞'.repeat(MAX_VIOLATION_MESSAGE_CHARS));
  });
});

describe('a connection failure keeps what the transport saw as its cause, and tells callers the same as before', () => {
  it('a proxy that refused the tunnel is still UPSTREAM_UNREACHABLE in the body, which names no proxy', async () => {
    const { networkError } = await import('#commons/signalwire/outcomes');
    const { ExchangeFailureError } = await import('#commons/signalwire/transport');
    const node = Object.assign(
      new Error(
        'Failed to establish tunnel to example.signalwire.com:443 via http://127.0.0.1:3128/: HTTP/1.1 403 X',
      ),
      { code: 'ERR_PROXY_TUNNEL' },
    );
    const failure = networkError(
      new ExchangeFailureError('connection', false, 'ERR_PROXY_TUNNEL', { cause: node }),
      1000,
      1000,
    );
    expect((failure.cause as Error).cause).toBe(node);
    const body = publicError(describeError(failure));
    expect(body).toEqual({
      code: 'UPSTREAM_UNREACHABLE',
      message: 'could not reach SignalWire: connection to SignalWire failed (ERR_PROXY_TUNNEL)',
      retryable: true,
    });
    expect(JSON.stringify(describeError(failure))).not.toContain('tunnel to');
  });
});
