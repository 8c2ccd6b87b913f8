/**
 * A local stand-in for SignalWire's Compatibility API Calls resource
 * (`https://{space}.signalwire.com/api/laml/2010-04-01/...`) over real HTTP on loopback. It serves the
 * same contract the real adapter speaks (Basic auth, form bodies, error bodies, cursor paging), so
 * integration tests, `npm start` and the benchmark exercise the production client unchanged.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSid } from '#commons/signalwire/sids';
import { type Call, type CallUpdate, isFinalStatus } from '#commons/signalwire/types';
import {
  API_ROOT,
  ApiError,
  type CallbackSettings,
  DEFAULT_FROM,
  errorReply,
  type Fault,
  faultError,
  faultMatches,
  faultProcessesRequest,
  faultWait,
  floorToSecond,
  invalidArgument,
  isFormContentType,
  notFound,
  pickCallbacks,
  type RateLimit,
  type RecordedRequest,
  type Redirect,
  type Reply,
  renderCall,
  SEEDED_RING_SECONDS,
  SEEDED_TALK_SECONDS,
  type SeedCall,
  type SignalWireEmulatorOptions,
  type StoredCall,
  schemaError,
  tooManyRequests,
  unauthorized,
  validateUpdateForm,
} from './calls.ts';
import {
  type Credentials,
  matchRoute,
  parseBasicAuth,
  type Route,
  readBody,
  sameSecret,
  send,
  sendScripted,
} from './http.ts';
import { CallStore, circled, listCallsAnswer } from './listing.ts';
import { isNativePath, NativeCalls, nativeFaultReply, parseJsonOrUndefined } from './native.ts';
import type { Paging } from './native-render.ts';

interface Project {
  apiToken: string;
  readonly phoneNumberSid: string;
  readonly calls: CallStore;
  /** Start (performance.now) and count of the current rate-limit window. */
  window: { start: number; count: number } | undefined;
}

interface IncomingRequest {
  method: string;
  path: string;
  route: Route;
  query: URLSearchParams;
  form: Record<string, string> | null;
  /** The raw body of a POST (the native Calling API reads it as JSON). */
  body: string | null;
  contentType: string | undefined;
  user: string | null;
  authOk: boolean;
}

/** SignalWire's Calls API on 127.0.0.1; see the module comment. */
export class SignalWireEmulator {
  /** The space URL to point a client at, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly #server: Server;
  readonly #projects = new Map<string, Project>();
  readonly #clock: () => Date;
  readonly #maxRecorded: number;
  readonly #requests: RecordedRequest[] = [];
  readonly #faults: Array<{ fault: Fault; remaining: number }> = [];
  readonly #stopping = new AbortController();
  /** The native Calling API and voice logs of the same projects (`native.ts`). */
  readonly native: NativeCalls;
  readonly #latency: { ms: number; spreadMs: number };
  #rateLimit: RateLimit | undefined;
  #seeded = 0;
  /** How List Calls and the voice logs cut their pages (`setPaging`). */
  readonly #paging: Paging = { mode: 'cursor', afterPage: undefined };

  private constructor(server: Server, options: SignalWireEmulatorOptions) {
    this.#server = server;
    this.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.#clock = options.now ?? (() => new Date());
    this.#latency = { ms: options.latencyMs ?? 0, spreadMs: options.latencySpreadMs ?? 0 };
    this.#rateLimit = options.rateLimit;
    this.#maxRecorded = options.maxRecordedRequests ?? 10_000;
    for (const { projectId, apiToken } of options.projects) {
      this.#projects.set(projectId, {
        apiToken,
        phoneNumberSid: randomUUID(),
        calls: new CallStore(),
        window: undefined,
      });
    }
    this.native = new NativeCalls(
      () => this.#nowMs(),
      () => this.url,
      (projectId) => this.#projects.get(projectId)?.calls.ordered() ?? [],
      this.#paging,
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.#serve(req, res);
    });
  }

  /** Starts listening on 127.0.0.1 (`port` 0 picks a free one). */
  static async start(options: SignalWireEmulatorOptions): Promise<SignalWireEmulator> {
    const server: Server = options.tls ? createHttpsServer(options.tls) : createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new SignalWireEmulator(server, options);
  }

  /** Every request received, oldest first (bounded by `maxRecordedRequests`). */
  get requests(): RecordedRequest[] {
    return this.#requests;
  }

  /** Forgets every recorded request. */
  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** Rotates a project's API token; the old one answers 401 from now on. */
  setToken(projectId: string, apiToken: string): void {
    this.#project(projectId).apiToken = apiToken;
  }

  /** Creates a call in the given state and age, as if SignalWire had been handling it. */
  seedCall(projectId: string, init: SeedCall): Call {
    const project = this.#project(projectId);
    const sid = init.sid ?? randomUUID();
    if (!isSid(sid) || project.calls.get(sid)) throw new Error(`seedCall: sid ${sid} is not a new UUID`);
    const parentCallSid = init.parentCallSid ?? null;
    if (parentCallSid !== null && !isSid(parentCallSid)) {
      throw new Error('seedCall: parentCallSid is not a UUID');
    }
    const nowMs = this.#nowMs();
    const ageSeconds = Math.max(0, Math.floor(init.ageSeconds ?? 0));
    const createdMs = nowMs - ageSeconds * 1000;
    const startMs = this.#seededStart(init, createdMs, ageSeconds);
    const endMs = isFinalStatus(init.status)
      ? Math.max(startMs ?? createdMs, Math.min(nowMs, (startMs ?? createdMs) + SEEDED_TALK_SECONDS * 1000))
      : null;
    this.#seeded++;
    const call: StoredCall = {
      sid,
      accountSid: projectId,
      phoneNumberSid: project.phoneNumberSid,
      parentCallSid,
      to: init.to ?? `+1310555${String(this.#seeded % 10_000).padStart(4, '0')}`,
      from: init.from ?? DEFAULT_FROM,
      direction: init.direction ?? 'outbound',
      callerName: init.callerName ?? null,
      createdMs,
      updatedMs: endMs ?? startMs ?? createdMs,
      status: init.status,
      startMs,
      endMs,
      callbacks: undefined,
      redirects: undefined,
    };
    project.calls.add(call);
    return renderCall(call);
  }

  /** The call as the API would render it now, or undefined. */
  getCall(projectId: string, sid: string): Call | undefined {
    const call = this.#projects.get(projectId)?.calls.get(sid);
    return call && renderCall(call);
  }

  /** LaML redirects applied to a call, in order. */
  redirectsOf(sid: string): Redirect[] {
    return (this.#findCall(sid)?.redirects ?? []).map((redirect) => ({ ...redirect }));
  }

  /** Fallback and status-callback settings updates stored on a call. */
  callbacksOf(sid: string): CallbackSettings {
    return { ...this.#findCall(sid)?.callbacks };
  }

  /** Queues a fault behind those already injected. */
  injectFault(fault: Fault): void {
    this.#faults.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Drops every fault not yet consumed. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Sets the delay added to every response from now on. */
  setLatency(ms: number): void {
    this.#latency.ms = ms;
  }

  /**
   * How List Calls and the voice logs cut their pages from now on. `cursor` (the default): a page token marks the
   * last call read, so a call created between two page reads never moves the next page. `offset`: page N starts N
   * pages in, whatever its token (neither API's documents say which kind its page token is), so a call created
   * between two reads pushes the listing down and the last call of one page is read again first on the next.
   * `afterPage` runs once a page is cut, before it is sent: a test's way to change the calls between two reads.
   */
  setPaging(mode: Paging['mode'], afterPage?: () => void): void {
    this.#paging.mode = mode;
    this.#paging.afterPage = afterPage;
  }

  /** Replaces the POST rate limit (undefined removes it) and starts every window afresh. */
  setRateLimit(limit: RateLimit | undefined): void {
    this.#rateLimit = limit;
    for (const project of this.#projects.values()) project.window = undefined;
  }

  /** Closes every connection, abandons delayed answers and stops listening. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const request = await this.#receive(req);
      const fault = this.#takeFault(request.method, request.path);
      await faultWait(fault, this.#stopping.signal);
      if (fault?.kind === 'drop' && !fault.applyFirst) {
        req.socket.destroy();
        return;
      }
      const applied = faultProcessesRequest(fault) ? this.#respond(request) : undefined;
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      await this.#pause(this.#latency.ms + Math.random() * this.#latency.spreadMs);
      if (fault?.kind === 'garble' || fault?.kind === 'raw') {
        sendScripted(res, fault);
        return;
      }
      if (fault?.kind === 'status') {
        send(res, isNativePath(request.path) ? nativeFaultReply(fault) : errorReply(faultError(fault)));
        return;
      }
      send(res, fault?.kind === 'circle' ? circled(applied as Reply) : (applied as Reply));
    } catch (error) {
      // A client that went away mid-body, or a stop during a delay, needs no answer.
      if (this.#stopping.signal.aborted || res.destroyed) return;
      console.error('SignalWire emulator: unexpected error', error);
      send(res, errorReply(new ApiError(500, 20500, 'Internal Server Error')));
    }
  }

  /** Reads and records the request before any fault or check, so tests see what reached the emulator. */
  async #receive(req: IncomingMessage): Promise<IncomingRequest> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart < 0 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? '' : target.slice(queryStart + 1));
    const route = matchRoute(method, path);
    const contentType = req.headers['content-type'];
    const body = method === 'POST' ? await readBody(req) : null;
    const form =
      body !== null && isFormContentType(contentType) ? Object.fromEntries(new URLSearchParams(body)) : null;
    const json = body !== null && isNativePath(path) ? parseJsonOrUndefined(body) : undefined;
    const credentials = parseBasicAuth(req.headers.authorization);
    const authOk = this.#authenticate(credentials, route.accountSid);
    const user = credentials?.user ?? null;
    this.#record({
      method,
      path,
      query: Object.fromEntries(query),
      form,
      ...(json === undefined ? {} : { json }),
      contentType,
      basicUser: user,
      authOk,
      at: Date.now(),
    });
    return { method, path, route, query, form, body, contentType, user, authOk };
  }

  #respond(request: IncomingRequest): Reply {
    if (isNativePath(request.path)) {
      const project = request.authOk && request.user !== null ? this.#project(request.user) : undefined;
      return this.native.respond({
        ...request,
        projectId: project ? (request.user as string) : null,
        overRateLimit: project !== undefined && request.method === 'POST' && this.#overRateLimit(project),
      });
    }
    try {
      return { status: 200, body: this.#handle(request) };
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error);
      throw error;
    }
  }

  #handle({ method, path, route, query, form, contentType, user, authOk }: IncomingRequest): unknown {
    if (!authOk || user === null) throw unauthorized();
    const project = this.#project(user);
    if (method === 'POST' && this.#overRateLimit(project)) throw tooManyRequests(this.#rateLimitRetryAfter());
    if (route.kind === 'none') throw notFound(path);
    if (route.kind === 'list') {
      const listPath = `${API_ROOT}/Accounts/${route.accountSid}/Calls.json`;
      return listCallsAnswer(project.calls.ordered(), query, listPath, this.#paging);
    }
    const call = isSid(route.callSid) ? project.calls.get(route.callSid) : undefined;
    if (!call) throw notFound(path);
    if (method === 'GET') return renderCall(call);
    if (!isFormContentType(contentType) || form === null) {
      throw invalidArgument('Content-Type must be application/x-www-form-urlencoded');
    }
    return renderCall(this.#updateCall(call, form));
  }

  /** Validates everything before changing anything, so a rejected update leaves the call untouched. */
  #updateCall(call: StoredCall, form: Record<string, string>): StoredCall {
    if (!validateUpdateForm(form)) throw schemaError(validateUpdateForm.errors?.[0]);
    const update: CallUpdate = form;
    if (isFinalStatus(call.status)) {
      throw invalidArgument(`Call ${call.sid} has already ended (${call.status}) and cannot be updated`, 422);
    }
    if (update.Status === 'canceled' && call.status === 'in-progress') {
      throw invalidArgument(
        'Status canceled applies only to queued or ringing calls; use completed to hang up',
      );
    }
    // Ending the call wins over a redirect sent with it.
    const redirectUrl = update.Status === undefined ? update.Url : undefined;
    if (redirectUrl !== undefined && call.status !== 'in-progress') {
      throw new ApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
    const nowMs = this.#nowMs();
    if (update.Status !== undefined) {
      call.status = update.Status;
      call.endMs = Math.max(nowMs, call.startMs ?? nowMs);
    }
    if (redirectUrl !== undefined) {
      call.redirects = [...(call.redirects ?? []), { url: redirectUrl, method: update.Method ?? 'POST' }];
    }
    call.callbacks = { ...call.callbacks, ...pickCallbacks(update) };
    call.updatedMs = nowMs;
    return call;
  }

  #seededStart(init: SeedCall, createdMs: number, ageSeconds: number): number | null {
    if (init.startTime !== undefined)
      return init.startTime === null ? null : floorToSecond(init.startTime.getTime());
    if (init.status === 'queued' || init.status === 'ringing') return null;
    return createdMs + Math.min(SEEDED_RING_SECONDS, ageSeconds) * 1000;
  }

  #authenticate(credentials: Credentials | null, accountSid: string | null): boolean {
    if (credentials === null) return false;
    const project = this.#projects.get(credentials.user);
    if (!project || !sameSecret(credentials.password, project.apiToken)) return false;
    return accountSid === null || accountSid === credentials.user;
  }

  #overRateLimit(project: Project): boolean {
    const limit = this.#rateLimit;
    if (!limit) return false;
    const now = performance.now();
    if (!project.window || now - project.window.start >= limit.windowMs)
      project.window = { start: now, count: 0 };
    project.window.count++;
    return project.window.count > limit.maxPosts;
  }

  #rateLimitRetryAfter(): string | undefined {
    const seconds = this.#rateLimit?.retryAfterSeconds;
    return seconds === undefined ? undefined : String(seconds);
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(({ fault }) => faultMatches(fault, method, path));
    const entry = this.#faults[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.#faults.splice(index, 1);
    return entry.fault;
  }

  #record(request: RecordedRequest): void {
    this.#requests.push(request);
    // Trimming in bulk keeps recording O(1) amortised instead of shifting the array on every request.
    if (this.#requests.length >= 2 * this.#maxRecorded) this.#requests.splice(0, this.#maxRecorded);
  }

  /** Waits `ms`; rejects once the emulator stops so no answer is written to a closed server. */
  async #pause(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.#stopping.signal });
  }

  #nowMs(): number {
    return floorToSecond(this.#clock().getTime());
  }

  #project(projectId: string): Project {
    const project = this.#projects.get(projectId);
    if (!project) throw new Error(`Unknown project ${projectId}`);
    return project;
  }

  #findCall(sid: string): StoredCall | undefined {
    for (const project of this.#projects.values()) {
      const call = project.calls.get(sid);
      if (call) return call;
    }
    return undefined;
  }
}
