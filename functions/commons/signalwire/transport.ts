// The modules themselves, not named imports: `request` is read at call time, so the Powertools Tracer (which
// patches `http.request`/`https.request` for X-Ray when it is bundled) sees these requests.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/**
 * One HTTP exchange with SignalWire over `node:http`/`node:https`, on keep-alive agents shared by every client
 * in the process.
 *
 * Written by hand rather than with the global `fetch` because the calls' hot path pays for it: on Node 24,
 * `fetch` (undici) spends about twice the CPU of `http.request` per loopback request (WHATWG `Headers`,
 * `Response` and streams around every exchange, and a listener, weak reference and finaliser for every abort
 * signal it is given), and its first use loads undici, tens of milliseconds of a cold start. The AWS SDK
 * already loads `node:https` for Secrets Manager, so this costs nothing at import.
 */

/** The answer: status, the body as text and the headers the client reads. */
export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter: string | undefined;
  /** Named in the error when a 2xx body is not JSON; the body, not this header, decides what the answer is. */
  contentType?: string | undefined;
}

/**
 * An origin as `http.request` takes it (what Node's `urlToHttpOptions` makes of a URL), parsed once: a client
 * sends every request to one space, and a URL parsed per request, then turned back into request options, was
 * a few per cent of a warm invocation's CPU.
 */
export interface ParsedOrigin {
  protocol: 'http:' | 'https:';
  /** Without the brackets of an IPv6 address, as Node expects it. */
  hostname: string;
  port: number | undefined;
}

export const parseOrigin = (origin: URL): ParsedOrigin => ({
  protocol: origin.protocol === 'https:' ? 'https:' : 'http:',
  hostname: origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname,
  port: origin.port === '' ? undefined : Number(origin.port),
});

/** A request to an origin already parsed: its path (and query), encoded. */
export interface OriginPath {
  origin: ParsedOrigin;
  path: string;
}

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: URL | OriginPath;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  /** Aborts the exchange (the caller is out of time). */
  signal?: AbortSignal | undefined;
  /** Largest answer read, per operation (`answer-caps.ts`); past it the exchange fails as `too-large`. */
  maxAnswerBytes: number;
}

/**
 * Why an exchange failed without an answer. `sent` is false only when the request certainly did not leave this
 * process: the connection (TCP, and TLS for https) was never established.
 */
export class ExchangeFailureError extends Error {
  override readonly name = 'ExchangeFailureError';
  constructor(
    readonly reason: 'timeout' | 'aborted' | 'connection' | 'too-large',
    readonly sent: boolean,
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/**
 * Idle keep-alive sockets are closed after 4 s (as `fetch` does), unless the server's `Keep-Alive: timeout=`
 * asks for less. Lambda freezes containers between invocations, so these timers may not run: the client's
 * `staleAfterMs` covers that case.
 */
const AGENT_OPTIONS = { keepAlive: true, timeout: 4_000, scheduling: 'lifo' } as const;

/**
 * With `NODE_USE_ENV_PROXY=1` (or `--use-env-proxy`), Node sends `fetch` and its global agents through
 * `HTTP_PROXY`/`HTTPS_PROXY` (minus `NO_PROXY`); agents made here must be given the environment to do the same
 * (Node 24.5 and later; older versions ignore the option). An operator's CLI behind a corporate proxy needs it.
 */
const agentOptions = (): http.AgentOptions & { proxyEnv?: NodeJS.ProcessEnv } =>
  process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy')
    ? { ...AGENT_OPTIONS, proxyEnv: process.env }
    : AGENT_OPTIONS;

let httpAgent: http.Agent | undefined;
let httpsAgent: https.Agent | undefined;
const agentFor = (tls: boolean): http.Agent => {
  if (tls) {
    httpsAgent ??= new https.Agent(agentOptions());
    return httpsAgent;
  }
  httpAgent ??= new http.Agent(agentOptions());
  return httpAgent;
};

const ONCE = { once: true } as const;

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export const exchange = (request: HttpExchange): Promise<HttpAnswer> =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) {
      reject(new ExchangeFailureError('aborted', false, undefined));
      return;
    }
    const { url } = request;
    const parsed = url instanceof URL ? undefined : url;
    const tls = (parsed ? parsed.origin.protocol : (url as URL).protocol) === 'https:';
    const { method, body } = request;
    // A copy per request: the X-Ray SDK's patched `request` (the Powertools Tracer) writes its trace header into
    // the headers it is given, and the client's are shared by all its requests (and invocations): a later request
    // would carry the first one's trace header, and X-Ray, seeing it there, would trace none of them.
    const headers = { ...request.headers };
    const agent = agentFor(tls);
    let req: http.ClientRequest;
    try {
      const send = tls ? https.request : http.request;
      // The origin copied, the rest set in the literal: a second spread (of an options object) was a runtime
      // call per property on every request.
      req = parsed
        ? send({ ...parsed.origin, path: parsed.path, method, headers, agent })
        : send(url as URL, { method, headers, agent });
    } catch (error) {
      // Refused before anything was sent (an invalid header value, say).
      reject(new ExchangeFailureError('connection', false, errorCode(error), { cause: error }));
      return;
    }

    // Connected (and, for https, past the TLS handshake): from here on the request may reach SignalWire.
    let connected = false;
    let failure: ExchangeFailureError | undefined;
    const fail = (reason: ExchangeFailureError['reason'], code?: string): void => {
      failure ??= new ExchangeFailureError(reason, connected, code);
      req.destroy();
      // Destroyed without the error, which is settled below: given to a request whose answer has fully arrived
      // (its kept-alive socket already back in the pool), it was emitted where nothing listens, an uncaught
      // exception that ended the process. Settle now: the request may have no socket yet (a proxy tunnel still
      // being set up), or already be destroyed (a 101 answer), and then destroying it emits nothing.
      lost(failure);
    };
    // Node keeps every timer of the same duration in one list: a pool of requests shares one OS timer.
    const timer = setTimeout(() => fail('timeout'), request.timeoutMs);
    const onAbort = (): void => fail('aborted');
    signal?.addEventListener('abort', onAbort, ONCE);
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    // `error`: the request's or the answer's; none for a connection closed without one.
    const lost = (error?: Error): void => {
      if (settle())
        reject(
          failure ??
            new ExchangeFailureError('connection', connected, errorCode(error), error && { cause: error }),
        );
    };

    // `on`, not `once`, for events a request or an answer emits at most once: `once` wraps every listener.
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else
        socket.once(tls ? 'secureConnect' : 'connect', () => {
          connected = true;
        });
    });
    req.on('error', lost);
    // A request closed with no complete answer and no error (Node destroys the socket of an unrequested 101).
    let answered = false;
    req.on('close', () => {
      if (!answered) lost(undefined);
    });
    req.on('response', (response: IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > request.maxAnswerBytes) fail('too-large');
        else chunks.push(chunk);
      });
      response.on('end', () => {
        if (!settle()) return;
        const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
        const { headers } = response;
        resolve({
          status: response.statusCode ?? 0,
          text,
          retryAfter: headers['retry-after'],
          contentType: headers['content-type'],
        });
      });
      // A body cut short (reset, timeout, abort, too large) ends in 'error' or a 'close' without 'end'.
      response.on('error', lost);
      response.on('close', () => {
        if (!response.complete) lost(undefined);
      });
    });
    // The body goes whole to `end`, before any header is sent: Node then sends its byte length as
    // `Content-Length` (not chunked), counted once there.
    req.end(body);
  });
