import type { StreamCollector } from '@smithy/types';

const isNodeStream = (value: unknown): value is NodeJS.ReadableStream =>
  typeof (value as NodeJS.ReadableStream | undefined)?.on === 'function' &&
  typeof (value as NodeJS.ReadableStream | undefined)?.pipe === 'function';

/**
 * Collects a response body into one Uint8Array, as the AWS SDK's own collector does with the Node.js stream
 * (`http.IncomingMessage`) its Node.js HTTP handler hands over, without first asking whether the body is a web
 * `ReadableStream` or a `Blob`: that question reads the global `ReadableStream`, and the first read of it
 * loads Node's web streams (a cold-start cost: docs/benchmarks.md) for a body that never is one.
 */
export const collectNodeStream: StreamCollector = (stream: unknown) =>
  new Promise<Uint8Array>((resolve, reject) => {
    if (!isNodeStream(stream)) {
      reject(new TypeError('the AWS SDK response body is not a Node.js stream'));
      return;
    }
    const chunks: Uint8Array[] = [];
    let length = 0;
    stream.on('data', (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.byteLength;
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const body = new Uint8Array(length);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(body);
    });
  });

/**
 * How long an AWS SDK client waits for a connection, then for the answer's headers, then for each next piece of
 * the answer, per attempt. Without them a stalled Secrets Manager, EventBridge or DynamoDB call waits until the
 * function is killed: a stalled COMPLETED idempotency write would then leave an applied redirect unrecorded and
 * the invocation cut short. The request timeout ends once the headers arrive (in the SDK's HTTP handler as in
 * the bundles' stand-in), so an answer that stalls after its headers is ended by the socket timeout: that much
 * inactivity on the socket while a request is in flight (an idle pooled keep-alive socket is not timed; Node's
 * agent clears the timeout when it takes the socket back). With the SDK's default three attempts, a call that
 * stalls every time gives up within 3 × (`SDK_CONNECTION_TIMEOUT_MS` + `SDK_REQUEST_TIMEOUT_MS`) plus backoff,
 * or 3 × (`SDK_CONNECTION_TIMEOUT_MS` + `SDK_SOCKET_TIMEOUT_MS`) for headers that come at once and nothing
 * after them, under the shortest function timeout (the status-callback function's 10 s).
 */
export const SDK_CONNECTION_TIMEOUT_MS = 1_000;
export const SDK_REQUEST_TIMEOUT_MS = 2_000;
export const SDK_SOCKET_TIMEOUT_MS = 2_000;

/**
 * Configuration every AWS SDK client of the functions starts from (the rest comes from the environment, as
 * the SDK reads it). `requestHandler` is given as the Node.js HTTP handler's options, which the SDK turns into
 * its own `NodeHttpHandler`.
 */
export const sdkClientDefaults = () => ({
  streamCollector: collectNodeStream,
  requestHandler: {
    connectionTimeout: SDK_CONNECTION_TIMEOUT_MS,
    requestTimeout: SDK_REQUEST_TIMEOUT_MS,
    socketTimeout: SDK_SOCKET_TIMEOUT_MS,
    // Without it, @smithy/node-http-handler 4 only logs a warning when the request timeout passes.
    throwOnRequestTimeout: true,
  },
});
