import { describe, expect, it } from 'vitest';
import {
  AccountNotConfiguredError,
  CredentialsError,
  describeError,
  isConfigurationFailure,
  RedirectOutcomeUnknownError,
  RequestValidationError,
  redirectCertainlyNotApplied,
  SignalWireError,
  SignalWireNetworkError,
} from '#commons/errors';

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

  it('reveals nothing of an unexpected error', () => {
    expect(describeError(new Error('token=PTsecret')).message).toBe('internal error');
  });
});
