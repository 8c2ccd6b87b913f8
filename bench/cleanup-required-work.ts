/**
 * Bench only: the required-work floor of the cleanup (issue 22: where a target cannot be met, show with a
 * measurement what bounds it), run by bench/cleanup-driver.ts (CleanupPlan's `requiredWork`) in its own process
 * in the cleanup's alternated rounds. The bare `node:http` pool's ends (the driver's `postBare`: one keep-alive
 * agent, Basic auth, a form POST, its JSON answer parsed) plus only what README's cleanup contract asks of a run
 * and of each call, written by hand with no library, each step from the README sentence quoted:
 * - the listing: "every `in-progress`, `ringing` and `queued` call from List Calls, page by page" (the states the
 *   policy names: the bench's names `in-progress` alone), over the same agent, each page's JSON parsed and checked
 *   as a page ("a List Calls page that is not one: no `calls` array, entries without a string `sid`/`status`" is
 *   refused), `next_page_uri` followed on the space's own origin (the path is sent to the space's host, so the
 *   credentials go nowhere else), stopping at one "leading back to a page already read";
 * - the verdict per call: "Each call's age is judged on the client": an in-progress call's age "since the call was
 *   answered" (`start_time`, read as strictly as the project reads it, bench/cleanup-required-dates.ts), stale
 *   when "strictly older" than `maxAgeSeconds.inProgress`; a call "whose age cannot be established (... a date that
 *   does not parse) is never ended by age"; at most `maxCallsToEnd` ends ("the circuit
 *   breaker: at most this many end requests per run");
 * - the pace: "at most `CLEANUP_CONCURRENCY` end requests at a time and `CLEANUP_MAX_ENDS_PER_SECOND` per second",
 *   whose promise (Configuration's table, functions/commons/cleanup/pacer.ts) is "in any window of W seconds at
 *   most W × rate + 4 start". {@link pace} keeps it the simplest way: starts serialised by one promise chain, each
 *   taking the next time of a schedule spaced by the interval that may run at most two intervals behind the clock
 *   when it is taken (pacer.ts's CATCH_UP_INTERVALS). Each start comes no earlier than its time, the times are an
 *   interval apart, and each time is at least the previous start minus two intervals; so the starts in a window
 *   of W after its first have times between its opening minus two intervals and its close: at most W / interval
 *   + 3 of them, + 4 with the first. One timer per waiting start (pacer.ts keeps one for the queue's head);
 *   no signal, nothing to abort in the bench's run;
 * - "a timeout per attempt" (`SIGNALWIRE_TIMEOUT_MS`, or the plan's `requestTimeoutMs`), one timer per request,
 *   and "timeout, reset or dropped connection after sending: reads and updates without `Url` (ending a call ...)
 *   are sent once more" (a timeout, or a reset of the connection: a reused socket the server closed among them);
 * - "429 from SignalWire, or 503 ...: retried with exponential backoff and full jitter (200 ms doubling, at most 3 s
 *   per wait), honouring `Retry-After` when sent (delay-seconds or an HTTP-date ...); at most 4 attempts and 12 s";
 * - "Answers are capped per operation" (Validation rules): a single call's at 1 MiB, a List Calls page's at what the
 *   function can return and hold (functions/commons/signalwire/answer-caps.ts `answerCaps`), the bytes counted as
 *   they come and the request dropped past the cap;
 * - the end's answer: "a JSON answer ... that begins with a UTF-8 byte order mark ... the mark is read past"; "a 2xx
 *   that is not a usable Call (`sid` or `status` not a string, another call's `sid`, nested deeper than 16
 *   levels)" is no end;
 * - "Each ended (or would-be-ended) call also gets an audit record" (Audit records: "a log line with `"message":
 *   "call-control audit"` and an `audit` object"): the line the cleanup writes in these rounds, field for field
 *   ({@link auditLineMaker}: the fields made once per run serialised once, the JSON of each value of a field of
 *   few values once, the timestamp's text once a second, each call's SID and rule with `JSON.stringify`), written
 *   with `process.stdout.write`;
 * - "Each run logs one `cleanup report` line": the run's counts, one line.
 * Left out: middy and Powertools (the function's, not the contract's); refusals' and failures' wording, the
 * redaction of error text, the 401 re-read of the secret, `already-ended` and `stateChanged`, the re-sends after
 * the listing (`retriedAfterThrottling`), the report's lists: what the bench's path never runs (every call is
 * stale and ended at the first attempt); the secret's read (the plan carries the credentials, as the cleanup's
 * run in this driver gets them); the policy's filters and `neverTouch` (the bench's policy sets none);
 * `CLEANUP_TIME_MARGIN_MS` (the driver's run has no Lambda deadline); native calls (the rounds' policy is
 * `apis: ['compatibility']`, bench/cleanup-driver.ts `cleanUp`); the page's own depth check (no README sentence asks
 * for it).
 */
import http from 'node:http';
import { CLEANUP_ENDS_PER_SECOND } from '../functions/commons/platform/settings.ts';
import { answerCaps } from '../functions/commons/signalwire/answer-caps.ts';
import type { CleanupOutcome, CleanupPlan } from './cleanup-driver.ts';
import { rfc2822Ms } from './cleanup-required-dates.ts';

/** Calls per List Calls page: the cleanup's default (run-options.ts). */
const PAGE_SIZE = 200;
/** How far the pace's schedule may run behind the clock, in intervals (pacer.ts's CATCH_UP_INTERVALS). */
const CATCH_UP_INTERVALS = 2;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for a start's turn: at most `window / intervalMs + 4` starts in any window (see the header). Resolves
 * `undefined` at once when nobody waits and the schedule has a time now.
 */
export const pace = (intervalMs: number): (() => Promise<void> | undefined) => {
  let due = Number.NEGATIVE_INFINITY;
  let waiting = 0;
  let chain: Promise<void> = Promise.resolve();
  const take = (now: number): number => {
    const at = Math.max(due, now - CATCH_UP_INTERVALS * intervalMs);
    due = at + intervalMs;
    return at;
  };
  const turn = async (): Promise<void> => {
    const at = take(performance.now());
    // A timer may fire a little before performance.now() reaches its time: wait for the rest.
    for (let now = performance.now(); now < at; now = performance.now()) await sleep(at - now);
    waiting--;
  };
  return () => {
    const now = performance.now();
    if (waiting === 0 && Math.max(due, now - CATCH_UP_INTERVALS * intervalMs) <= now) {
      take(now);
      return undefined;
    }
    waiting++;
    chain = chain.then(turn);
    return chain;
  };
};

/** The fixed parts of a run's audit lines, as the line the project writes names them. */
export interface AuditFrame {
  service: string;
  actor: unknown;
  accountSid: string;
  change: unknown;
  api: string;
}

/** One audit line's own parts. */
export interface AuditParts {
  callSid: string;
  outcome: string;
  reason: string;
  resultingStatus: string | undefined;
  priorStatus: string;
}

/** Values a record's field of few values (its outcome, a status) takes whose JSON is kept, at most. */
const QUOTED_MAX = 64;

/**
 * The audit line the cleanup writes, field for field and in its order (`{level, message, timestamp, service,
 * sampling_rate, audit: {trigger, actor, accountSid, callSid, change, outcome, reason, resultingStatus?,
 * priorStatus, api}}`), with no work a plain program need repeat per line: what is the same for every call of a
 * run serialised once; the JSON of the fields of few values (the outcome, the statuses) made once per value; the
 * timestamp `new Date().toISOString()`'s text formatted once a second, only its milliseconds per line (V8 formats
 * each `toISOString` with `snprintf`); per line only the SID and the rule with `JSON.stringify`. Anything more per
 * line would be work the contract does not require, and would make the floor bound what it does not.
 */
export const auditLineMaker = (frame: AuditFrame): ((parts: AuditParts) => string) => {
  const head = '{"level":"INFO","message":"call-control audit","timestamp":"';
  const audit =
    `","service":${JSON.stringify(frame.service)},"sampling_rate":0,"audit":{"trigger":"schedule",` +
    `"actor":${JSON.stringify(frame.actor)},"accountSid":${JSON.stringify(frame.accountSid)},"callSid":`;
  const change = `,"change":${JSON.stringify(frame.change)},"outcome":`;
  const tail = `,"api":${JSON.stringify(frame.api)}}}\n`;
  const quoted = new Map<string, string>();
  const quote = (value: string): string => {
    let json = quoted.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      if (quoted.size < QUOTED_MAX) quoted.set(value, json);
    }
    return json;
  };
  let second = Number.NaN;
  let secondText = '';
  const timestamp = (): string => {
    const now = Date.now();
    const ms = now - second;
    if (ms >= 0 && ms < 1000) return `${secondText}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    const text = new Date(now).toISOString();
    second = now - (now % 1000);
    secondText = text.slice(0, -4);
    return text;
  };
  return ({ callSid, outcome, reason, resultingStatus, priorStatus }) =>
    `${head}${timestamp()}${audit}${JSON.stringify(callSid)}${change}${quote(outcome)}` +
    `,"reason":${JSON.stringify(reason)}${
      resultingStatus === undefined ? '' : `,"resultingStatus":${quote(resultingStatus)}`
    },"priorStatus":${quote(priorStatus)}${tail}`;
};

interface Answer {
  status: number;
  text: string;
  retryAfter: string | undefined;
}

/** Whether a parsed value nests deeper than `limit` levels (itself one). */
const deeper = (value: unknown, limit: number): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const key in value) if (deeper((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
};

/** An answer's JSON, read past a byte order mark; undefined when it is not JSON. */
const json = (text: string): unknown => {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
};

/** How long to wait before attempt `attempt + 1`: `Retry-After` when usable, else 200 ms doubling, full jitter. */
const backoff = (retryAfter: string | undefined, attempt: number): number => {
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Math.min(Number(retryAfter), 3600) * 1000;
  const date = retryAfter === undefined ? Number.NaN : Date.parse(retryAfter);
  if (!Number.isNaN(date)) return Math.min(Math.max(0, date - Date.now()), 3_600_000);
  return Math.random() * Math.min(3000, 200 * 2 ** (attempt - 1));
};

type Listed = { sid: string; prior: string; reason: string };

/**
 * SignalWire's requests as the contract asks for them (see the header): over one keep-alive agent with Basic auth,
 * a timeout per attempt, one resend after a timeout or a reset, and the retries of a 429 or a 503.
 */
const signalWire = (plan: CleanupPlan, outcome: CleanupOutcome) => {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(plan.spaceOrigin);
  const authorization = `Basic ${Buffer.from(`${plan.projectId}:${plan.apiToken}`).toString('base64')}`;
  const timeoutMs = plan.requestTimeoutMs ?? Number(process.env.SIGNALWIRE_TIMEOUT_MS ?? 5000);
  const caps = answerCaps();

  /** One attempt; a reused socket the server had closed is tried once more. */
  const attempt = (method: string, path: string, body: string, resend = true): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization, accept: 'application/json' };
      if (method === 'POST') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = String(body.length);
      }
      // README's Validation rules: "Answers are capped per operation", a List Calls page's and a single call's.
      const cap = method === 'GET' ? caps.list : caps.call;
      const request = http.request({ hostname, port, path, method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > cap) request.destroy(new Error(`SignalWire's answer exceeded ${cap} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter,
          });
        });
        response.on('error', fail);
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy(new Error('SignalWire did not answer in time'));
      }, timeoutMs);
      // "timeout, reset or dropped connection after sending: ... updates without `Url` (ending a call ...) are sent
      // once more", and reads: once, whichever of the request and its answer reports it first.
      let failed = false;
      function fail(error: NodeJS.ErrnoException): void {
        clearTimeout(timer);
        if (failed) return;
        failed = true;
        if (resend && (timedOut || error.code === 'ECONNRESET')) resolve(attempt(method, path, body, false));
        else reject(error);
      }
      request.on('error', fail);
      request.end(body);
    });

  /** A request with the contract's retries of a 429 or a 503: at most 4 attempts and 12 s of waits. */
  const exchange = async (method: string, path: string, body = ''): Promise<Answer> => {
    let waited = 0;
    for (let tries = 1; ; tries++) {
      const answer = await attempt(method, path, body);
      if (answer.status !== 429 && answer.status !== 503) return answer;
      const wait = backoff(answer.retryAfter, tries);
      if (tries === 4 || waited + wait > 12_000) return answer;
      const reason = answer.status === 429 ? 'rate-limited' : 'unavailable';
      outcome.retries[reason] = (outcome.retries[reason] ?? 0) + 1;
      waited += wait;
      await sleep(wait);
    }
  };

  return { exchange, close: () => agent.destroy() };
};

/** A List Calls answer's page, checked as one (README: "no `calls` array, entries without a string `sid`/`status`"). */
const pageOf = (answer: Answer): { calls: Array<Record<string, unknown>>; next: string | undefined } => {
  const page = (answer.status === 200 ? json(answer.text) : undefined) as
    | { calls?: unknown; next_page_uri?: unknown }
    | undefined;
  if (typeof page !== 'object' || page === null || !Array.isArray(page.calls))
    throw new Error(`List Calls answered ${answer.status} without a page of calls`);
  const next = page.next_page_uri;
  if (next !== undefined && next !== null && typeof next !== 'string')
    throw new Error('List Calls answered a next_page_uri that is not a string');
  for (const call of page.calls as Array<{ sid?: unknown; status?: unknown } | null>) {
    if (typeof call?.sid !== 'string' || typeof call.status !== 'string')
      throw new Error('List Calls answered an entry that is not a Call');
  }
  return { calls: page.calls as Array<Record<string, unknown>>, next: next || undefined };
};

/** The run's summary, as the cleanup's report line counts it (README's "The report"), one line to stdout. */
const writeReport = (
  plan: CleanupPlan,
  outcome: CleanupOutcome,
  {
    eligible,
    beyondCap,
    unknownAge,
    filtered,
  }: Record<'eligible' | 'beyondCap' | 'unknownAge' | 'filtered', number>,
  started: number,
): void => {
  const report = {
    found: outcome.found,
    eligible,
    ended: outcome.ended,
    failed: outcome.failed,
    skipped: { fresh: outcome.found - eligible - unknownAge - filtered, filtered, unknownAge },
    circuitBreaker: { cap: plan.maxCallsToEnd, tripped: beyondCap > 0, eligibleBeyondCap: beyondCap },
    pagesRead: outcome.pagesRead,
    durationMs: Math.round(performance.now() - started),
    dryRun: false,
    scheduleName: 'bench-cleanup',
    accountSid: plan.projectId,
  };
  const line = { level: 'INFO', message: 'cleanup report', timestamp: new Date().toISOString(), report };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** The cleanup's required work, by hand (see the header): lists, judges, ends, audits; counts into `outcome`. */
export const endRequiredWork = async (plan: CleanupPlan, outcome: CleanupOutcome): Promise<void> => {
  const started = performance.now();
  const { exchange, close } = signalWire(plan, outcome);
  const calls = `/api/laml/2010-04-01/Accounts/${plan.projectId}/Calls`;
  const line = auditLineMaker({
    service: process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control-cleanup',
    // The actor the cleanup records for this driver's input (a schedule's name, nothing attested).
    actor: { name: 'bench-cleanup', attested: {}, claimed: { scheduleName: 'bench-cleanup' } },
    accountSid: plan.projectId,
    change: { Status: 'completed' },
    api: 'compatibility',
  });
  const turn = pace(1000 / (plan.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.max));

  // The stale calls, from the listing to the workers; `listed` once the listing is done.
  const stale: Array<Listed | undefined> = [];
  let taken = 0;
  let listed = false;
  let beyondCap = 0;
  let unknownAge = 0;
  let filtered = 0;
  let waiting: Array<() => void> = [];
  const wake = () => {
    for (const resume of waiting) resume();
    waiting = [];
  };

  const list = async (): Promise<void> => {
    const followed = new Set<string>();
    let path: string | undefined = `${calls}.json?Status=in-progress&PageSize=${PAGE_SIZE}`;
    try {
      while (path !== undefined) {
        const page = pageOf(await exchange('GET', path));
        const next = page.next;
        outcome.pagesRead++;
        const now = Date.now();
        for (const call of page.calls) {
          outcome.found++;
          if (call.status !== 'in-progress') {
            filtered++;
            continue;
          }
          const since = typeof call.start_time === 'string' ? rfc2822Ms(call.start_time) : Number.NaN;
          if (Number.isNaN(since)) {
            unknownAge++;
            continue;
          }
          const age = Math.floor((now - since) / 1000);
          if (age <= plan.maxAgeSeconds) continue;
          if (stale.length >= plan.maxCallsToEnd) {
            beyondCap++;
            continue;
          }
          const reason = `in-progress for ${age} s by start_time; the policy allows ${plan.maxAgeSeconds} s`;
          stale.push({ sid: call.sid as string, prior: call.status, reason });
        }
        wake();
        path = next && !followed.has(next) ? next : undefined;
        if (next) followed.add(next);
      }
    } finally {
      listed = true;
      wake();
    }
  };

  const end = async ({ sid, prior, reason }: Listed): Promise<void> => {
    await turn();
    let status: string | undefined;
    let failure: string;
    try {
      const answer = await exchange('POST', `${calls}/${sid}.json`, 'Status=completed');
      const call = (answer.status === 200 ? json(answer.text) : undefined) as
        | { sid?: unknown; status?: unknown }
        | undefined;
      const usable =
        typeof call === 'object' &&
        call !== null &&
        typeof call.sid === 'string' &&
        call.sid.toLowerCase() === sid.toLowerCase() &&
        typeof call.status === 'string' &&
        !deeper(call, 16);
      if (usable) status = call.status as string;
      failure = `SignalWire answered ${answer.status}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (status === undefined) outcome.failed++;
    else outcome.ended++;
    const parts =
      status === undefined ? { outcome: 'failed', reason: failure } : { outcome: 'updated', reason };
    process.stdout.write(line({ callSid: sid, ...parts, resultingStatus: status, priorStatus: prior }));
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const next = stale[taken];
      if (next === undefined) {
        if (listed) return;
        await new Promise<void>((resume) => waiting.push(resume));
        continue;
      }
      stale[taken++] = undefined;
      await end(next);
    }
  };

  const listing = list();
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  await listing;
  close();
  outcome.runs = 1;
  outcome.failedPerRun = [outcome.failed];
  writeReport(plan, outcome, { eligible: taken + beyondCap, beyondCap, unknownAge, filtered }, started);
};
