import { SignalWireError, SignalWireNetworkError } from '../errors.ts';
import {
  parseErrorBody,
  parseRetryAfter,
  unusableCallReason,
  unusableNativeReason,
  unusablePageReason,
} from './answers.ts';
import { ExchangeFailureError, type HttpAnswer } from './transport.ts';

/**
 * What one exchange with SignalWire came to, as the client's retry loop reads it: a usable 2xx body, an HTTP
 * error (with what SignalWire said), or a network failure (with whether the request may have arrived).
 */
export type ExchangeOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'http'; status: number; error: SignalWireError }
  | { kind: 'network'; error: SignalWireNetworkError };

/**
 * TLS verification failures (OpenSSL's codes, Node's `ERR_TLS_CERT_ALTNAME_INVALID`): nothing was sent, and
 * trying again cannot help, so they are not retried.
 */
const CERTIFICATE_FAILURE = /CERT|SIGNATURE|SELF_SIGNED|HOSTNAME_MISMATCH/;

/** A 2xx answer whose body is not what it must be: a 502 (for a redirect: outcome unknown). */
const unusable = (status: number, why: string): ExchangeOutcome => ({
  kind: 'http',
  status: 502,
  error: new SignalWireError(502, {
    code: undefined,
    message: `SignalWire answered ${status} with a body that ${why}`,
    moreInfo: undefined,
  }),
});

/**
 * Why a 2xx body that does not parse is not JSON, naming the media type the answer claimed when that was another
 * (a gateway's `text/html` page): the operator then knows it was not SignalWire's API that answered. Only a media
 * type as RFC 6838 names one (each name 127 characters at most) is echoed; anything else in the header is not.
 */
const notJson = (contentType = ''): string => {
  // Node's HTTP parser strips the whitespace around a header's value.
  const type = /^([\w.+-]{1,127}\/[\w.+-]{1,127})\s*(?:;|$)/.exec(contentType)?.[1]?.toLowerCase();
  return `is not JSON${type && !type.endsWith('json') ? ` (it is ${type})` : ''}`;
};

/**
 * An answer read: a 2xx body parsed and checked (`call`: a usable Call resource, `callSid`'s when given; `list`: a
 * page of Calls; `native`: the Calling API or voice logs, their depth only), a redirect refused, an error
 * body read (its text scrubbed of `secrets`) with its `Retry-After`.
 */
export const answerOutcome = (
  answer: HttpAnswer,
  expected: 'call' | 'list',
  native: boolean,
  secrets: readonly string[],
  callSid?: string,
): ExchangeOutcome => {
  const { status } = answer;
  // A byte order mark before the JSON (RFC 8259 8.1: a sender must not add one, a parser may ignore it, as
  // WHATWG fetch's `json()` does) is ignored, for both APIs and for error bodies alike: what follows it is the
  // answer, and a command SignalWire applied is not reported as failed (or, for a redirect, unknown) for it.
  const text = answer.text.replace(/^\uFEFF/, '');
  // Stryker disable next-line ConditionalExpression: equivalent, no final answer is below 200 (Node's client takes 1xx as interim)
  if (status >= 200 && status < 300) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return unusable(status, notJson(answer.contentType));
    }
    const why = native
      ? unusableNativeReason(body, expected)
      : expected === 'call'
        ? unusableCallReason(body, callSid)
        : unusablePageReason(body);
    return why === undefined ? { kind: 'ok', body } : unusable(status, why);
  }
  if (status < 400) {
    // Redirects are not followed: they would carry the credentials elsewhere. Not SignalWire's API.
    const message = `SignalWire answered HTTP ${status}, a redirect, which is not followed`;
    return {
      kind: 'http',
      status: 502,
      error: new SignalWireError(502, { code: undefined, message, moreInfo: undefined }),
    };
  }
  return {
    kind: 'http',
    status,
    error: new SignalWireError(
      status,
      parseErrorBody(status, text, secrets),
      parseRetryAfter(answer.retryAfter ?? null),
    ),
  };
};

/** A transport failure as the client reports it: what kind, and whether the request may have arrived. */
export const networkError = (
  error: unknown,
  timeoutMs: number,
  maxAnswerBytes: number,
): SignalWireNetworkError => {
  // The transport fails only with ExchangeFailureError; anything else is read as the least safe case.
  if (!(error instanceof ExchangeFailureError)) {
    return new SignalWireNetworkError('connection', true, 'connection to SignalWire failed (unknown)');
  }
  switch (error.reason) {
    case 'timeout':
      return error.sent
        ? new SignalWireNetworkError('timeout', true, `no answer from SignalWire within ${timeoutMs} ms`)
        : new SignalWireNetworkError(
            'connection',
            false,
            `could not connect to SignalWire within ${timeoutMs} ms`,
          );
    case 'aborted':
      // The caller gave up (the function is out of time): as for a timeout, the request may have arrived.
      return new SignalWireNetworkError(
        'timeout',
        error.sent,
        'the request was abandoned: the function ran out of time',
      );
    case 'too-large':
      return new SignalWireNetworkError(
        'connection',
        true,
        `SignalWire's answer exceeded ${maxAnswerBytes} bytes`,
      );
    default: {
      const code = error.code ?? 'unknown';
      if (!error.sent && CERTIFICATE_FAILURE.test(code)) {
        return new SignalWireNetworkError(
          'connection',
          false,
          `SignalWire's TLS certificate was refused (${code})`,
          { permanent: true },
        );
      }
      // Only the transport knows whether the connection was established: a refused or unreachable host
      // before it is certainly not sent; the same codes on an established connection (an ICMP error after
      // the request went out) may follow a request that arrived.
      // The transport's error is kept as the cause: a proxy's refusal to open a tunnel (ERR_PROXY_TUNNEL) says
      // what the proxy answered there, which the CLI tells its operator.
      return new SignalWireNetworkError(
        'connection',
        error.sent,
        `connection to SignalWire failed (${code})`,
        { cause: error },
      );
    }
  }
};
