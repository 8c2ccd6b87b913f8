/**
 * Bench only: the layers of the http-api function's warm path, one per process, bundled the production way and
 * invoked by bench/warm-driver.mjs as it invokes the function (`handler(event, context)`, an answer with
 * `statusCode` 200 when the call ended). `BENCH_WARM_LAYER` chooses the layer at import; each one ends the
 * terminate route's call through the project's own modules and does nothing else (bench/warm-layers.ts):
 *
 * - `transport`: functions/commons/signalwire/transport.ts `exchange`, with SignalWireClient's form headers,
 *   timeout and answer cap (`BENCH_LAYER_ORIGIN`, `BENCH_LAYER_PROJECT`, `BENCH_LAYER_AUTHORIZATION`);
 * - `client`: `SignalWireClient.updateCall` of the client the credentials layer made (read once);
 * - `service`: the call service's `apply` as the terminate route calls it (credentials, audit line);
 * - `route`: the route-key router and the terminate route (its checks, deadline, answer and EMF metrics counted)
 *   without the function's middy chain, so without the metrics' flush: their EMF line is written by the chain's
 *   middleware (`full`), and here only when Powertools flushes a full store on its own (about every 100 values);
 * - `middy`: that router in a middy chain with no middleware and no early timeout;
 * - `middy-timeout`: the same with the function's early timeout (`timeoutEarlyInMillis`);
 * - `full`: the function's handler (functions/http-api.ts `createHttpApiHandler`).
 *
 * Counted with callgrind on 2026-12-07 (warm8: `npx tsx bench/warm-instructions.ts service=B#service route=B#route
 * middy=B#middy-timeout full=B#full --keep DIR`, one run, 300 invocations a window): service 775.6 k instructions
 * per invocation, route 937.9 k (+162 k), middy-timeout 958.8 k (+21 k), full 1,043.5 k (+85 k). Of the route's
 * step, by `callgrind_annotate` of the kept windows: +36.5 k in V8's optimising compilers (code still tiering up
 * in a 300-invocation window, more of it on the longer path), +24.5 k in `JSON.stringify` (the call as the answer's
 * body, which the contract asks for), +48 k in V8 builtins (inline caches, calls). The route's pieces alone, each
 * awaited in a loop in one bundle under callgrind (warm8, 2026-12-07, one run each; per iteration: a run of 10,000
 * iterations after 3,000 less a run of none, then less the empty loop's 2.7 k counted the same way): the request
 * deadline (`withDeadline` of an `async () => 1`: its AbortController 0.5 k, its `setTimeout`/`clearTimeout` 9.8 k, the
 * rest its own async frame and the work's) 18.3 k; the transport's abort listener added and removed 7.9 k; Powertools'
 * `appendKeys` of one key (through the project's logger) 9.2 k; `httpActor` 11.0 k; the answer (`jsonResponse` of a
 * 600-byte call) 18.5 k, of it `JSON.stringify` of the call 17.3 k. Those are averages over the 10,000-iteration window
 * and hold the V8 compilations that land in it (`callgrind_annotate` self counts, compiler and parser functions by
 * name): 9.8 k of `withDeadline`'s 18.3 k, 4.5 k of the timer's, 3.5 k of the listener's, 5.1 k of `appendKeys`', 2.4 k
 * of `httpActor`'s, 0.3 k of the answer's. Recounted with 4,000 iterations after 3,000 (bench9, 2026-12-07, the same
 * bundles, one run each, the empty loop 3.0 k there; no compilation in the window but the listener's 0.8 k):
 * `withDeadline` 8.3 k (so 2.7 k its async frames), the timer 5.1 k, the listener 5.0 k. Tried and not kept, each below
 * the 2 % of the path (~21 k) a change must show: `httpActor`'s `defined` as a loop over the keys instead of
 * `Object.fromEntries` of filtered entries (11.0 k -> 6.4 k alone, 10,000 iterations, compilations in; yet the full
 * handler A/B, `warm-instructions.ts main=… actor=… --runs 2`, counted it 1,074.4 k (1,064.8, 1,084.1) against main's
 * 1,029.2 k (1,041.2, 1,017.3): a window's noise, either way); the answer's headers as one literal instead of
 * `jsonResponse`'s spread (0.8 k alone); `withDeadline` without its async frame, the timer cleared in the work's
 * `then`: 21.6 k -> 15.5 k per iteration as first written, which is the 10,000-iteration window with the empty loop's
 * 2.7 k left in (18.8 k -> 12.8 k without it; 18.8 k, not the 18.3 k above, in a later bundle that added this variant
 * and the shared timer below, whose unref'd 5 s timer every piece of that bundle ran beside), of the 6.1 k step 3.9 k
 * the compilations in the window (10.1 k -> 6.2 k); recounted with 4,000 iterations after 3,000 (bench9, one run each,
 * no compilation in the window): 8.5 k -> 6.4 k, 2.1 k a request. What is left of the route's own step is mostly what
 * the contract asks for (the deadline's timer, the answer's JSON) and Node's cost of it (a `setTimeout` and its
 * `clearTimeout` 9.8 k at 10,000 iterations, of it about 4 k making and dropping the timer list of its duration: 5.8 k
 * while another timer of the same duration waits; recounted at 4,000, 5.1 k and 2.5 k, so 2.6 k the list; an abort
 * listener 7.9 k, recounted 5.0 k): three timers a request (the transport's, the route's deadline, middy's early
 * timeout) where the required-work floor has one.
 */
import '#commons/platform/bundle-prelude';
import middy from '@middy/core';
import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { httpActor } from '#commons/calls/audit-actors';
import { withNativeCalls } from '#commons/calls/native-calls';
import type { ProjectCallsApi } from '#commons/calls/port';
import { createCallService } from '#commons/calls/service';
import { operatorHandlers } from '#commons/http/operator-handlers';
import { TIMEOUT_EARLY_MS } from '#commons/http/route';
import { routeKeyRouter } from '#commons/http/route-key-router';
import { routerRoutes } from '#commons/http/routes';
import { readSignalWireConfig } from '#commons/platform/config';
import { logger } from '#commons/platform/powertools';
import { createSignalWireAccess } from '#commons/signalwire/access';
import { CALL_ANSWER_MAX_BYTES } from '#commons/signalwire/answer-caps';
import { exchange, parseOrigin } from '#commons/signalwire/transport';
import { createHttpApiHandler } from '../functions/http-api.ts';

type LayerHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

const OK: HttpResult = { statusCode: 200 };
const FAILED: HttpResult = { statusCode: 500 };

const access = createSignalWireAccess(readSignalWireConfig(), logger);
const calls = withNativeCalls(createCallService(access, logger), access, logger);
const handlers = operatorHandlers(calls, access);
const router = routeKeyRouter(
  routerRoutes(handlers, { endAll: handlers['POST /calls/{callSid}/terminate'] }),
);
/** The signal middy hands the router; here one that never aborts. */
const quiet = { signal: new AbortController().signal };

const sidOf = (event: HttpEvent): string => event.pathParameters?.callSid ?? '';

const transport = (): LayerHandler => {
  const origin = parseOrigin(new URL(process.env.BENCH_LAYER_ORIGIN ?? ''));
  const headers = {
    authorization: process.env.BENCH_LAYER_AUTHORIZATION ?? '',
    accept: 'application/json',
    'user-agent': 'bench-warm-layer',
    'content-type': 'application/x-www-form-urlencoded',
  };
  const prefix = `/api/laml/2010-04-01/Accounts/${process.env.BENCH_LAYER_PROJECT}/Calls/`;
  return async (event) => {
    const answer = await exchange({
      method: 'POST',
      url: { origin, path: `${prefix}${sidOf(event)}.json` },
      headers,
      body: 'Status=completed',
      timeoutMs: 5_000,
      maxAnswerBytes: CALL_ANSWER_MAX_BYTES,
    });
    JSON.parse(answer.text);
    return answer.status === 200 ? OK : FAILED;
  };
};

const client = (): LayerHandler => {
  let api: ProjectCallsApi | undefined;
  return async (event) => {
    api ??= await access.forAccount(undefined);
    // updateCall throws unless SignalWire answered 2xx with a call.
    await api.updateCall(sidOf(event), { Status: 'completed' });
    return OK;
  };
};

const service = (): LayerHandler => async (event, context) => {
  const outcome = await calls.apply({
    trigger: 'http',
    actor: httpActor(event, context.invokedFunctionArn),
    callSid: sidOf(event),
    action: { kind: 'terminate' },
  });
  return outcome.ok ? OK : FAILED;
};

const LAYERS: Record<string, () => LayerHandler> = {
  transport,
  client,
  service,
  route: () => (event, context) => router(event, context, quiet),
  // middy's default is an early timeout 5 ms before the deadline (a timer per invocation): 0 turns it off.
  middy: () =>
    middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 }).handler(router) as unknown as LayerHandler,
  'middy-timeout': () =>
    middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS }).handler(
      router,
    ) as unknown as LayerHandler,
  full: () => createHttpApiHandler(calls, access) as unknown as LayerHandler,
};

const chosen = LAYERS[process.env.BENCH_WARM_LAYER ?? ''];
if (!chosen) throw new Error(`BENCH_WARM_LAYER must be one of ${Object.keys(LAYERS).join(', ')}`);
export const handler = chosen();
