import { describe, expect, it } from 'vitest';
import { signalwireMessageOf } from '#commons/cleanup/report';
import type { ErrorDescription } from '#commons/errors';

/** A failure as the client describes it, with SignalWire's own error when `signalwire` is given. */
const failure = (signalwire?: ErrorDescription['signalwire']): ErrorDescription => ({
  code: 'UPSTREAM_ERROR',
  httpStatus: 502,
  message: 'SignalWire answered 502',
  retryable: true,
  ...(signalwire ? { signalwire } : {}),
});

const answered = (status: number, message: string): ErrorDescription['signalwire'] => ({
  status,
  code: null,
  message,
  more_info: null,
});

describe("SignalWire's own reason in the cleanup's report (signalwireMessageOf)", () => {
  it('gives the reason SignalWire wrote', () => {
    expect(signalwireMessageOf(failure(answered(409, 'Call is not in-progress')))).toEqual({
      signalwireMessage: 'Call is not in-progress',
    });
  });

  it('leaves it out when SignalWire gave no error, an empty or blank one, or only the taxonomy words', () => {
    expect(signalwireMessageOf(failure())).toEqual({});
    expect(signalwireMessageOf(failure(answered(502, '')))).toEqual({});
    expect(signalwireMessageOf(failure(answered(502, ' \t\n ')))).toEqual({});
    expect(signalwireMessageOf(failure(answered(502, 'SignalWire answered HTTP 502')))).toEqual({});
  });

  it('keeps taxonomy-like words that do not match the status answered (they are a reason)', () => {
    expect(signalwireMessageOf(failure(answered(502, 'SignalWire answered HTTP 503')))).toEqual({
      signalwireMessage: 'SignalWire answered HTTP 503',
    });
  });
});
