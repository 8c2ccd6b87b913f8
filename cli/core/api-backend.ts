import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CallActionResult } from '#commons/calls/service';
import type { CallUpdate } from '#commons/signalwire/types';
import { cliErrorOf, forbidden } from './api-errors.ts';
import {
  apiOf,
  type CallApi,
  type CallsBackend,
  type CallsPage,
  type ListedCall,
  type ListFilter,
} from './backend.ts';
import { humanSeconds } from './calls-view.ts';
import { CliError, callCheck, EXIT } from './errors.ts';
import { proxyInUse, proxyRefusalOf, proxyRefusedError } from './proxy.ts';
import { NodeSha256 } from './sha256.ts';

export interface ApiBackendOptions {
  /** The API's base URL (`ApiUrl` output, or the local stack's). */
  apiUrl: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For messages: "the deployed stack X", "the local stack". */
  where: string;
  /** What to try when the API cannot be reached at all. */
  unreachableHint: string;
  /** What to try when the API refuses the signature (403). @default the AWS credentials hint */
  forbiddenHint?: string;
  /** Per request. @default 35000 (longer than API Gateway's own 30 s integration timeout) */
  timeoutMs?: number;
}

/**
 * API Gateway's refusal of a signature made more than 5 minutes from its own clock: "Signature expired: <date>
 * is now earlier than …" (this clock is behind) or "Signature not yet current: <date> is still later than …"
 * (ahead). The AWS SDK's own clients correct such a skew themselves; the CLI's signed request to the API says
 * what is wrong instead of "your credentials were refused".
 */
const CLOCK_REFUSAL = /^Signature (?:expired|not yet current):/;

/** API Gateway's refusal of a session whose time ran out (a long `end-all` can outlive a one-hour session). */
const EXPIRED_TOKEN = /security token included in the request is expired/i;

const clockSkewError = (where: string, gatewayMessage: string, date: string | null): CliError => {
  const theirs = date === null ? Number.NaN : Date.parse(date);
  const now = Date.now();
  const behind = gatewayMessage.startsWith('Signature expired');
  const by = Number.isFinite(theirs)
    ? ` by about ${humanSeconds(Math.abs(now - theirs) / 1000)} (this computer says ${new Date(now).toISOString()}, AWS ${new Date(theirs).toISOString()})`
    : '';
  return new CliError(
    `${where} refused the request (403): this computer's clock is ${behind ? 'behind' : 'ahead'}${by}, more than the 5 minutes a SigV4 signature may be off; nothing was changed (${gatewayMessage})`,
    'Set the clock right (`sudo timedatectl set-ntp true` on Linux; set date and time automatically in the system settings on macOS and Windows), then run it again.',
    EXIT.failed,
    'CLOCK_SKEW',
  );
};

/** Errors of a connection that was never made: nothing was sent. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/** A 2xx answer of the API, with what a message about an unreadable body needs. */
interface Answer {
  body: unknown;
  outcome: string | null;
  api: string | null;
  status: number;
  contentType: string | null;
  text: string;
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the CLI reads of a call: its SID as a string and its status as a string, or null (a native call whose
 * status SignalWire did not give: the API answers it so, and the CLI prints `unknown`). The rest is shown as it
 * comes.
 */
const isCallLike = (value: unknown): boolean =>
  isRecord(value) &&
  typeof value.sid === 'string' &&
  (typeof value.status === 'string' || value.status === null);

/**
 * API Gateway's own refusals, which carry no error code of ours (`{"message":"Too Many Requests"}`): a 429 is
 * its throttling, a 5xx means the function's answer never came back (a change may have been applied).
 */
const GATEWAY_CODES: Readonly<Record<number, string>> = {
  429: 'API_THROTTLED',
  500: 'API_GATEWAY_ERROR',
  502: 'API_GATEWAY_ERROR',
  503: 'API_GATEWAY_ERROR',
  504: 'API_GATEWAY_ERROR',
};

/**
 * The operator HTTP API, every request signed with SigV4 (service `execute-api`) using the caller's AWS
 * credentials, as API Gateway's IAM authorization requires. The function behind it validates, acts and
 * writes the audit record with the caller's IAM identity.
 */
export class ApiBackend implements CallsBackend {
  readonly where: string;
  readonly #signer: SignatureV4;
  readonly #base: URL;

  constructor(private readonly options: ApiBackendOptions) {
    this.where = options.where;
    this.#base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
    this.#signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: 'execute-api',
      sha256: NodeSha256,
    });
  }

  async listPage(filter: ListFilter, cursor?: string): Promise<CallsPage> {
    const query: Record<string, string> = {};
    // A cursor is sent alone: the API refuses filters next to it (they travel inside the cursor).
    if (cursor) query.cursor = cursor;
    else
      for (const [name, value] of Object.entries(filter))
        if (value !== undefined) query[name] = String(value);
    const answer = await this.#send('GET', 'calls', query);
    const page = answer.body;
    if (
      !isRecord(page) ||
      !Array.isArray(page.calls) ||
      !page.calls.every(isCallLike) ||
      !(page.next_cursor === null || page.next_cursor === undefined || typeof page.next_cursor === 'string')
    )
      throw this.#unreadable(answer, 'a page of calls', 'GET');
    return { calls: page.calls as ListedCall[], nextCursor: page.next_cursor ?? null };
  }

  async getCall(callSid: string, api?: CallApi): Promise<ListedCall> {
    const answer = await this.#send('GET', `calls/${callSid}`, api ? { api } : {});
    if (!isCallLike(answer.body)) throw this.#unreadable(answer, 'a call', 'GET');
    return { ...(answer.body as ListedCall), api: this.#apiOf(answer) };
  }

  // A named API travels in the body of a change (the API's `api` field), in the query of a read.
  async endCall(callSid: string, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}/terminate`, {}, api ? { api } : undefined),
    );
  }

  async updateCall(callSid: string, update: CallUpdate, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}`, {}, { ...update, ...(api ? { api } : {}) }),
    );
  }

  async transferCall(callSid: string, dest: string, api?: CallApi): Promise<CallActionResult> {
    return this.#action(
      await this.#send('POST', `calls/${callSid}/transfer`, {}, { dest, ...(api ? { api } : {}) }),
    );
  }

  /** The API owning the call: the `x-call-api` header the API answers with, else what the call shows. */
  #apiOf(answer: Answer): CallApi {
    return answer.api === 'calling' || answer.api === 'compatibility'
      ? answer.api
      : apiOf(answer.body as ListedCall);
  }

  #action(answer: Answer): CallActionResult {
    // The change was sent and answered 2xx: it may well have been applied, so the message says so.
    if (!isCallLike(answer.body)) throw this.#unreadable(answer, 'a call', 'POST');
    return {
      call: answer.body as ListedCall,
      outcome: answer.outcome === 'already-ended' ? 'already-ended' : 'updated',
      api: this.#apiOf(answer),
    };
  }

  /**
   * A 2xx whose body is not what the API sends (a proxy's login page, an empty body, a call without a SID):
   * said as such, never a TypeError; after a change, with the warning that it may have been applied.
   */
  #unreadable(answer: Answer, expected: string, method: 'GET' | 'POST'): CliError {
    const shown = answer.text.length > 80 ? `${answer.text.slice(0, 80)}…` : answer.text;
    return new CliError(
      `${this.where} answered HTTP ${answer.status} with a body that is not ${expected} (${answer.contentType ?? 'no content-type'}: ${JSON.stringify(shown)})`,
      method === 'POST'
        ? (command) =>
            `The change may or may not have been applied: ${callCheck(command)} shows the call before you retry. Is a proxy answering for the API?`
        : 'Is a proxy or another service answering at that URL? Check the stack (--stack, --region) or the local stack (--port).',
      method === 'POST' ? EXIT.partial : EXIT.failed,
      'UNREADABLE_ANSWER',
    );
  }

  /**
   * A request with no answer. Refused before it was sent (no route, nothing listening): unreachable. Sent and
   * then cut short (the deadline, a reset): for a change, it may have been applied, and the hint says how to
   * check before retrying, as for SignalWire's own REDIRECT_OUTCOME_UNKNOWN.
   */
  #lost(error: unknown, method: 'GET' | 'POST', origin: string, timeoutMs: number): CliError {
    // Refused by the proxy (a 407, a tunnel it will not open): the request never left it, whatever the method.
    const refusal = proxyRefusalOf(error);
    if (refusal) {
      const url = new URL(origin);
      return proxyRefusedError(
        { ...refusal, protocol: url.protocol === 'https:' ? 'https:' : 'http:' },
        `the request to ${this.where}`,
        url.host,
      );
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && NOT_SENT.has(code))
      return new CliError(
        `could not reach ${this.where} at ${origin} (${reason})`,
        this.options.unreachableHint,
        1,
        'API_UNREACHABLE',
      );
    const what =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer from ${this.where} at ${origin} within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`
        : `the answer from ${this.where} at ${origin} was lost (${reason})`;
    return method === 'POST'
      ? new CliError(
          `${what}: the change may or may not have been applied`,
          (command) =>
            `${callCheck(command)} shows the call before you retry (an end is safe to repeat; a redirect is not).`,
          EXIT.partial,
          'API_OUTCOME_UNKNOWN',
        )
      : new CliError(what, this.options.unreachableHint, 1, 'API_UNREACHABLE');
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string> = {},
    json?: unknown,
  ): Promise<Answer> {
    const url = new URL(path, this.#base);
    const body = json === undefined ? undefined : JSON.stringify(json);
    const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await this.#signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const search = new URLSearchParams(query).toString();
    const target = `${url.origin}${url.pathname}${search ? `?${search}` : ''}`;
    const timeoutMs = this.options.timeoutMs ?? 35_000;
    let response: Response;
    let text: string;
    try {
      const sent = { ...(signed.headers as Record<string, string>) };
      delete sent.host;
      response = await fetch(target, {
        method,
        headers: sent,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the try: the deadline and a lost connection can also cut the body short.
      text = await response.text();
    } catch (error) {
      throw this.#lost(error, method, url.origin, timeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok)
      return {
        body: parsed,
        outcome: response.headers.get('x-call-outcome'),
        api: response.headers.get('x-call-api'),
        status: response.status,
        contentType: response.headers.get('content-type'),
        text,
      };
    // The API never answers 407: a proxy forwarding plain HTTP does, and it forwarded nothing.
    if (response.status === 407 && proxyInUse() !== undefined)
      throw proxyRefusedError(
        { status: 407, protocol: url.protocol === 'https:' ? 'https:' : 'http:' },
        `the request to ${this.where}`,
        url.host,
      );
    // Only strings are read from an error body: a proxy's or a gateway's answer may be anything.
    const refusal = isRecord(parsed) ? parsed : {};
    const error = isRecord(refusal.error) ? refusal.error : undefined;
    const gatewayMessage = stringOf(refusal.message);
    if (response.status === 403 && !error && gatewayMessage && CLOCK_REFUSAL.test(gatewayMessage))
      throw clockSkewError(this.where, gatewayMessage, response.headers.get('date'));
    if (response.status === 403 && !error && gatewayMessage && EXPIRED_TOKEN.test(gatewayMessage))
      throw new CliError(
        `${this.where} refused the request (403): your AWS session has expired (${gatewayMessage}); this request changed nothing`,
        'Refresh the session (`aws sso login`, or a new one from your credentials tool), then run it again; calls listed before this one as done stay done.',
        EXIT.failed,
        'AWS_CREDENTIALS_EXPIRED',
      );
    if (response.status === 403 && !error) {
      throw forbidden(
        `${this.where} refused the request (403): ${gatewayMessage ?? 'Forbidden'}`,
        this.options.forbiddenHint,
      );
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    throw cliErrorOf({
      code:
        stringOf(error?.code) ??
        (response.status === 404 ? 'ROUTE_NOT_FOUND' : (GATEWAY_CODES[response.status] ?? 'INTERNAL_ERROR')),
      message: stringOf(error?.message) ?? gatewayMessage ?? `${this.where} answered HTTP ${response.status}`,
      httpStatus: response.status,
      change: method === 'POST',
      ...(Number.isInteger(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    });
  }
}
