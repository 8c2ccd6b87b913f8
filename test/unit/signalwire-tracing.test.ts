import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The SignalWire client's requests under the Powertools Tracer (as a function built with `powertoolsTracer`
 * runs them in Lambda): the X-Ray SDK patches `http.request` and writes its trace header into the headers it is
 * given. Each request must carry its own trace header (its invocation's root, its own subsegment), never one
 * left there by an earlier request of the same client.
 */

const TRACE = (root: string) => `Root=1-5759e988-${root};Parent=53995c3f42cd8ad8;Sampled=1`;
let server: Server;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  // What Lambda sets, as far as the Tracer and the X-Ray SDK read it; the segments go to a port nothing reads.
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'call-control-test',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9',
    CALL_CONTROL_POWERTOOLS_TRACER: 'true',
    _X_AMZN_TRACE_ID: TRACE('aaaaaaaaaaaaaaaaaaaaaaaa'),
  });
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push(request.headers);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: 'CA1', status: 'completed' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it("each request carries its own trace header, never an earlier request's", async () => {
  const { tracer } = await import('#commons/platform/tracing');
  expect(tracer?.isTracingEnabled()).toBe(true);
  const { SignalWireClient } = await import('#commons/signalwire/client');
  const { port } = server.address() as AddressInfo;
  const client = new SignalWireClient({
    projectId: 'project',
    apiToken: 'PT0123456789abcdef0123',
    spaceOrigin: `http://127.0.0.1:${port}`,
  });

  // One invocation: two ends and two reads; then the next invocation (a new trace) does the same.
  for (const root of ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb']) {
    process.env._X_AMZN_TRACE_ID = TRACE(root);
    await client.updateCall('CA1', { Status: 'completed' });
    await client.updateCall('CA1', { Status: 'completed' });
    await client.getCall('CA1');
    await client.getCall('CA1');
  }

  const traces = seen.map((headers) => headers['x-amzn-trace-id']);
  expect(traces).toHaveLength(8);
  traces.forEach((trace, index) => {
    expect(trace).toMatch(new RegExp(`^Root=1-5759e988-${index < 4 ? 'a' : 'b'}{24};Parent=[0-9a-f]{16};`));
  });
  // A subsegment of its own for every request: X-Ray traced each one.
  expect(new Set(traces).size).toBe(8);
});
