import type { CallsApi, RequestOptions } from '../calls/port.ts';
import {
  RedirectOutcomeUnknownError,
  redirectCertainlyNotApplied,
  SignalWireError,
  SignalWireNetworkError,
} from '../errors.ts';
import { type AnswerCaps, answerCaps } from './answer-caps.ts';
import { answerOutcome, type ExchangeOutcome, networkError } from './outcomes.ts';
import { paginate } from './paginate.ts';
import {
  exchange,
  type HttpAnswer,
  type HttpExchange,
  type OriginPath,
  type ParsedOrigin,
  parseOrigin,
} from './transport.ts';
import {
  CALL_UPDATE_FIELDS,
  type Call,
  type CallListPage,
  type CallUpdate,
  LIST_CALLS_FILTERS,
  type ListCallsFilter,
} from './types.ts';

/** Retry policy for 429 / 503 answers and lost connections. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff ceiling; doubles each attempt (full jitter below it). */
  baseDelayMs: number;
  /** Largest backoff ceiling. */
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt, nor waits past it. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
  maxTotalMs: 12_000,
};

/** What the client reports before each retry (for logs and metrics; never carries credentials). */
export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: 'rate-limited' | 'unavailable' | 'connection' | 'timeout' | 'stale-connection';
  status?: number;
}

export interface SignalWireClientOptions {
  /** The SignalWire Project ID (the `AccountSid` of the path). */
  projectId: string;
  apiToken: string;
  /** Origin of the space, e.g. `https://example.signalwire.com` (validated by the credentials loader). */
  spaceOrigin: string;
  /** Per-attempt timeout, headers and body included. @default 5000 */
  timeoutMs?: number;
  /** @default DEFAULT_RETRY_POLICY */
  retry?: RetryPolicy;
  onRetry?: (notice: RetryNotice) => void;
  /**
   * Idle time after which a pooled keep-alive socket may be dead (a frozen Lambda's pool timers do not run):
   * past it, a redirect is preceded by a GET of the call, safe to repeat, leaving a proven socket for it.
   * @default 4000 (the transport keeps idle sockets at most 4 s, well under SignalWire's keep-alive)
   */
  staleAfterMs?: number;
  /** Randomness for jitter, injectable for tests. @default Math.random */
  random?: () => number;
  /** Largest answer read per operation. @default answerCaps() (from the function's memory setting) */
  answerCaps?: AnswerCaps;
}

export { MAX_ERROR_TEXT_CHARS, parseErrorBody, parseRetryAfter } from './answers.ts';

const API_PREFIX = '/api/laml/2010-04-01/Accounts';

const USER_AGENT = 'signalwire-call-control';

/** Text the form encoding leaves as it is: letters, digits and `*-._` (what `URLSearchParams` never escapes). */
const FORM_SAFE = /^[\w*.-]*$/;

/**
 * The form body of an update, with exactly its given fields, as `URLSearchParams` writes it. A value of letters,
 * digits and `*-._` alone (an end's `Status=completed`, every call of a cleanup) is written as it is, without
 * building and serialising a `URLSearchParams`; any other value (a URL) is encoded by one.
 */
export const formBody = (update: CallUpdate): string => {
  let body = '';
  for (const field of CALL_UPDATE_FIELDS) {
    const value = update[field];
    if (value === undefined) continue;
    const encoded = FORM_SAFE.test(value) ? value : new URLSearchParams([['', value]]).toString().slice(1);
    body += `${body && '&'}${field}=${encoded}`;
  }
  return body;
};

/** Resolves after `ms`; rejects at once when `signal` aborts, before or during the wait. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    // The listener goes with the wait: a cleanup's one stop signal would otherwise keep one per retry.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      // Stryker disable next-line CallExpression: equivalent, the timer left running only resolves a settled promise
      clearTimeout(timer);
      reject(signal?.reason);
    };
    // Not `once`: a signal fires 'abort' at most once, and the timer removes the listener when the wait ends.
    signal?.addEventListener('abort', onAbort);
  });

/** One request and how it may be retried. */
export interface Attempt {
  method: 'GET' | 'POST';
  /** A URL of the space, or a path of its origin (the Calls paths: no URL parsed per request). */
  url: URL | OriginPath;
  body?: string;
  /** The native Calling API or voice logs: a JSON body, and a 2xx the caller checks (not a Compatibility Call). */
  native?: boolean;
  /** May this request be sent again after it may already have reached SignalWire? */
  repeatable: boolean;
  /** Which answer cap applies, and what a 2xx must hold: a list page, or a usable Call resource. */
  answer: keyof AnswerCaps;
  /** The Compatibility call asked about: a 2xx holding another call's resource is no answer to this request. */
  callSid?: string;
}

/**
 * The SignalWire Calls adapter over `node:https` (`transport.ts`): the documented `/api/laml/2010-04-01` paths,
 * Basic auth, form-encoded bodies with exactly the given fields, a timeout per attempt, and bounded retries.
 * Retry rules: 429 is retried with exponential backoff and full jitter, honouring `Retry-After`, for every
 * request (it is answered before anything is done); 503 likewise, except for a redirect (a gateway may answer
 * 503 after forwarding it, so it may have been applied). A failure before the request was sent (refused
 * connection) is retried likewise. A failure after it may have been sent (timeout, reset, dropped socket) is
 * retried once only when repeating is harmless: reads and updates without `Url`. A redirect is never resent
 * blindly, since a second redirect restarts the caller's call flow.
 */
export class SignalWireClient implements CallsApi {
  readonly projectId: string;
  private readonly authorization: string;
  /** Removed from any upstream text kept (an echo of our own request's credentials). */
  private readonly secrets: readonly string[];
  private readonly origin: URL;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  private readonly staleAfterMs: number;
  private readonly random: () => number;
  private readonly answerCaps: AnswerCaps;
  /** The space's origin, parsed once, and the path of `…/Calls/` of this project in it. */
  private readonly calls: { origin: ParsedOrigin; prefix: string };
  /** The headers of a read, a form POST and a JSON POST: built once, never changed (the transport copies). */
  private readonly headers: Readonly<Record<'read' | 'form' | 'json', Readonly<Record<string, string>>>>;
  private lastExchangeAt = 0;

  constructor(options: SignalWireClientOptions) {
    this.projectId = options.projectId;
    const basic = Buffer.from(`${options.projectId}:${options.apiToken}`).toString('base64');
    this.authorization = `Basic ${basic}`;
    this.secrets = [basic, options.apiToken];
    this.origin = new URL(options.spaceOrigin);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.onRetry = options.onRetry;
    this.staleAfterMs = options.staleAfterMs ?? 4_000;
    this.random = options.random ?? Math.random;
    this.answerCaps = options.answerCaps ?? answerCaps();
    this.calls = {
      origin: parseOrigin(this.origin),
      prefix: new URL(`${API_PREFIX}/${encodeURIComponent(this.projectId)}/Calls/`, this.origin).pathname,
    };
    const read = { authorization: this.authorization, accept: 'application/json', 'user-agent': USER_AGENT };
    this.headers = {
      read,
      form: { ...read, 'content-type': 'application/x-www-form-urlencoded' },
      json: { ...read, 'content-type': 'application/json' },
    };
  }

  updateCall(callSid: string, update: CallUpdate, options: RequestOptions = {}): Promise<Call> {
    const form = formBody(update);
    // Not an async function: an end request (every call of a cleanup) is the send's own promise, no wrapper.
    if (update.Url === undefined) {
      const attempt: Attempt = {
        method: 'POST',
        url: this.callUrl(callSid),
        body: form,
        repeatable: true,
        answer: 'call',
        callSid,
      };
      return this.send<Call>(attempt, options);
    }
    return this.redirect(callSid, form, options);
  }

  /** A redirect: never resent blindly, and preceded by a safe read when the pooled socket may be stale. */
  private async redirect(callSid: string, body: string, options: RequestOptions): Promise<Call> {
    if (Date.now() - this.lastExchangeAt > this.staleAfterMs) {
      // Prove (or replace) the pooled socket with a request that is safe to repeat first. Its failure is an
      // ordinary one: no redirect was sent.
      await this.getCall(callSid, options);
    }
    const attempt = { method: 'POST', url: this.callUrl(callSid), body, repeatable: false } as const;
    try {
      return await this.send<Call>({ ...attempt, answer: 'call', callSid }, options);
    } catch (error) {
      const lost =
        // Stryker disable next-line ConditionalExpression: equivalent, send() rejects only with these two classes
        (error instanceof SignalWireError || error instanceof SignalWireNetworkError) &&
        !redirectCertainlyNotApplied(error);
      throw lost ? new RedirectOutcomeUnknownError(error) : error;
    }
  }

  /** One request to another API of this space (`calling/client.ts`): same credentials, transport and retries. */
  request = <T>(attempt: Attempt, options: RequestOptions = {}): Promise<T> => this.send<T>(attempt, options);
  /** A URL of this client's space (`path` relative to it). */
  spaceUrl = (path: string): URL => new URL(path, this.origin);
  /** Whether the pooled socket may have died while idle (a redirect is then preceded by a safe read). */
  connectionMayBeStale = (): boolean => Date.now() - this.lastExchangeAt > this.staleAfterMs;

  getCall(callSid: string, options: RequestOptions = {}): Promise<Call> {
    return this.send<Call>(
      { method: 'GET', url: this.callUrl(callSid), repeatable: true, answer: 'call', callSid },
      options,
    );
  }

  async listCallsPage(
    from: ListCallsFilter | { nextPageUri: string },
    options: RequestOptions = {},
  ): Promise<CallListPage> {
    const url = 'nextPageUri' in from ? this.nextPageUrl(from.nextPageUri) : this.listUrl(from);
    return this.send<CallListPage>(
      {
        // Stryker disable next-line StringLiteral: equivalent, Node sends GET for an empty method
        method: 'GET',
        url,
        repeatable: true,
        answer: 'list',
      },
      options,
    );
  }

  listCalls(
    filter: ListCallsFilter,
    options: RequestOptions = {},
  ): AsyncGenerator<CallListPage, void, undefined> {
    return paginate(this, filter, options);
  }

  private callUrl(callSid: string): OriginPath {
    // The same path as `${API_PREFIX}/…/Calls/${sid}.json` resolved against the origin: the SID is one encoded
    // path segment (never `.` or `..` with its `.json`), which a URL parser would leave as it is.
    return { origin: this.calls.origin, path: `${this.calls.prefix}${encodeURIComponent(callSid)}.json` };
  }

  private listUrl(filter: ListCallsFilter): URL {
    const url = new URL(`${API_PREFIX}/${encodeURIComponent(this.projectId)}/Calls.json`, this.origin);
    for (const name of LIST_CALLS_FILTERS) {
      const value = filter[name];
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return url;
  }

  /** `next_page_uri` is relative to the space; refuse one that would send our credentials anywhere else. */
  private nextPageUrl(nextPageUri: string): URL {
    const url = new URL(nextPageUri, this.origin);
    const prefix = `${API_PREFIX}/${encodeURIComponent(this.projectId)}/Calls`;
    if (url.origin !== this.origin.origin || !url.pathname.startsWith(prefix)) {
      const message = 'SignalWire returned a next_page_uri outside this project';
      throw new SignalWireError(502, { code: undefined, message, moreInfo: undefined });
    }
    return url;
  }

  private async send<T>(attempt: Attempt, options: RequestOptions): Promise<T> {
    const startedAt = Date.now();
    let ambiguousRetried = false;
    // An attempt that may have been applied (answered 503, or its answer lost) was sent again: a refusal of the
    // resend may be that attempt's doing (an end refused as the call has ended), so the error says so.
    let resent = false;
    for (let number = 1; ; number++) {
      // The transport is awaited here, not through another async method: one promise less per request.
      let answer: HttpAnswer | undefined;
      let failure: unknown;
      try {
        answer = await exchange(this.exchangeOf(attempt, options.signal));
      } catch (error) {
        failure = error;
      }
      const outcome = this.outcomeOf(attempt, answer, failure);
      if (outcome.kind === 'ok') return outcome.body as T;

      const elapsed = Date.now() - startedAt;
      const attemptsLeft = number < this.retry.maxAttempts;
      const backoff = this.backoff(number);

      if (outcome.kind === 'http') {
        const { status, error } = outcome;
        // A 503 may come from a gateway after it forwarded the request: only a request safe to repeat is sent
        // again on it. A 429 is answered before anything is done, so even a redirect is retried on it.
        const throttled = status === 429 || (status === 503 && attempt.repeatable);
        const delay = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : backoff;
        if (!throttled || !attemptsLeft || elapsed + delay > this.retry.maxTotalMs)
          throw Object.assign(error, { resent });
        resent ||= status === 503;
        this.onRetry?.({
          attempt: number,
          delayMs: delay,
          reason: status === 429 ? 'rate-limited' : 'unavailable',
          status,
        });
        await this.backOff(delay, options.signal, `SignalWire answered ${status}`);
        continue;
      }

      const { error } = outcome;
      if (options.signal?.aborted || error.permanent) throw error;
      const retryable = error.mayHaveReachedServer
        ? attempt.repeatable && !ambiguousRetried
        : attemptsLeft && elapsed + backoff <= this.retry.maxTotalMs;
      if (!retryable) throw error;
      if (error.mayHaveReachedServer) {
        // A socket that died while idle (a frozen Lambda's kept-alive connection) fails at once on reuse:
        // reconnect immediately, once.
        ambiguousRetried = resent = true;
        this.onRetry?.({
          attempt: number,
          delayMs: 0,
          reason: error.kind === 'timeout' ? 'timeout' : 'stale-connection',
        });
        continue;
      }
      this.onRetry?.({ attempt: number, delayMs: backoff, reason: 'connection' });
      await this.backOff(backoff, options.signal, error.message);
    }
  }

  /**
   * Waits before a retry. The caller's deadline ending the wait is a timeout like any other: nothing is in
   * flight (the last attempt was answered, or never sent), so it is described as a retryable timeout.
   */
  private async backOff(delayMs: number, signal: AbortSignal | undefined, after: string): Promise<void> {
    try {
      await sleep(delayMs, signal);
    } catch {
      throw new SignalWireNetworkError(
        'timeout',
        false,
        `the function ran out of time while waiting to retry (${after})`,
      );
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }

  /** One attempt as the transport sends it. */
  private exchangeOf(attempt: Attempt, signal: AbortSignal | undefined): HttpExchange {
    const { method, url, body } = attempt;
    const headers =
      attempt.body === undefined ? this.headers.read : attempt.native ? this.headers.json : this.headers.form;
    const maxAnswerBytes = this.answerCaps[attempt.answer];
    return { method, url, headers, body, timeoutMs: this.timeoutMs, signal, maxAnswerBytes };
  }

  /** The transport's answer (or, without one, its failure) as the retry loop reads it. */
  private outcomeOf(attempt: Attempt, answer: HttpAnswer | undefined, failure: unknown): ExchangeOutcome {
    if (answer === undefined) {
      const maxAnswerBytes = this.answerCaps[attempt.answer];
      // Stryker disable next-line StringLiteral: equivalent, send() reads any kind but 'ok' and 'http' as this one
      return { kind: 'network', error: networkError(failure, this.timeoutMs, maxAnswerBytes) };
    }
    this.lastExchangeAt = Date.now();
    return answerOutcome(answer, attempt.answer, attempt.native === true, this.secrets, attempt.callSid);
  }
}
