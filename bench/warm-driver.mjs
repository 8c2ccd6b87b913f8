/**
 * Warm invocations in one process, as a warm Lambda container serves them. The parent sends one plan over
 * IPC: an optional handler bundle, an API Gateway event template, and series of call SIDs to end with the
 * handler, a bare `fetch` or a bare `node:http(s)` request. Series run interleaved (one request of each in turn) so that drift in
 * the machine's speed affects them alike; the first `warmup` requests of each series are not counted.
 * Answers `{ series: { [label]: { durationsMs, failures, cpuMs } } }`, `cpuMs` the user + system CPU of this
 * process summed over the counted requests of the series (measured around each; deferred work that runs after a
 * request, such as GC, lands on whichever request runs next).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { pathToFileURL } from 'node:url';

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** A bare request over `node:http(s)` on a keep-alive agent: SignalWireClient's transport, doing nothing else. */
const postBare = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? https.request : http.request;
    const headers =
      init.body === undefined
        ? init.headers
        : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
    const request = send(
      target,
      { method: init.method, headers, agent: agents[target.protocol] },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, call: JSON.parse(Buffer.concat(chunks)) }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });

const contextFor = (functionName) => {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};

const eventFor = (template, sid) => {
  const event = structuredClone(template);
  event.rawPath = `/calls/${sid}/terminate`;
  event.requestContext.http.path = event.rawPath;
  event.requestContext.requestId = randomUUID();
  event.pathParameters = { callSid: sid };
  return event;
};

const run = async (plan) => {
  const handler = plan.bundle ? (await import(pathToFileURL(plan.bundle).href)).handler : undefined;
  const steps = plan.series.map((series) =>
    series.sids.map((sid) => {
      if (series.kind === 'handler') {
        // Built just before its call (untimed), not all up front: a Lambda instance holds one event at a time, and
        // thousands of prebuilt events kept alive would burden the function's garbage collector alone, and their
        // deadlines would run from the start of the series instead of from their invocation.
        return () => {
          const event = eventFor(plan.template, sid);
          const context = contextFor('bench-function');
          return async () => (await handler(event, context)).statusCode === 200;
        };
      }
      const url = `${series.origin}/api/laml/2010-04-01/Accounts/${plan.projectId}/Calls/${sid}.json`;
      const init = {
        method: 'POST',
        headers: {
          authorization: plan.authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'Status=completed',
      };
      if (series.kind === 'http') {
        return () => async () => {
          const { status, call } = await postBare(url, init);
          return status === 200 && call.status === 'completed';
        };
      }
      return () => async () => {
        const response = await fetch(url, init);
        const call = await response.json();
        return response.status === 200 && call.status === 'completed';
      };
    }),
  );
  const results = plan.series.map(() => ({ durationsMs: [], failures: 0, cpuMs: 0 }));
  const rounds = Math.max(...steps.map((series) => series.length));
  for (let round = 0; round < rounds; round++) {
    for (const [index, series] of steps.entries()) {
      const prepare = series[round];
      if (!prepare) continue;
      const step = prepare();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const ok = await step();
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpu);
      if (round < plan.warmup) continue;
      results[index].durationsMs.push(elapsed);
      results[index].cpuMs += (used.user + used.system) / 1000;
      if (!ok) results[index].failures++;
    }
  }
  return { series: Object.fromEntries(plan.series.map((series, index) => [series.label, results[index]])) };
};

process.once('message', (plan) => {
  run(plan).then(
    (answer) => process.send(answer, () => process.exit(0)),
    (error) => process.send({ error: String(error?.stack ?? error) }, () => process.exit(1)),
  );
});
