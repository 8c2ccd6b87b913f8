import { join } from 'node:path';

/**
 * How every function is bundled and what it runs with, in one place that the CDK function construct and the
 * benchmark (`bench/build.ts`, `bench/harness.ts`) both read, so the benchmark measures what is deployed.
 */

/**
 * ESM bundles have no `require`, but CommonJS bundled into them may still call it (esbuild's `__require` shim
 * looks for a global one): the Powertools Tracer's X-Ray SDK does, and so may a caller's own entry bundled from
 * source. The usual banner, `import { createRequire } from 'module'`, builds that module's ES facade at every
 * cold start; `process.getBuiltinModule` (as BUNDLE_BUILTINS) gives the same `createRequire` without it.
 */
export const ESM_REQUIRE_BANNER =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);";

/** The banner a user adds for an ESM bundle (CDK's documentation): what the benchmark's reference is built with. */
export const USUAL_ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Prefer the ESM builds of dependencies (the AWS SDK ships both) so tree shaking works: about 25 % smaller. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * Left out of every bundle. `bowser` is the AWS SDK's browser user-agent parser, reached only through a
 * dynamic `import()` on the SDK's browser path, which never runs on Node; bundling it would add code that
 * every cold start parses. (The real-bundle infra test and the benchmark's cold start run the SDK client from
 * the bundle, so a Node path that needed it would fail there.) `@smithy/core/event-streams` is not left out but
 * replaced (BUNDLE_ALIAS): CloudWatch Logs' client imports it statically, and a bundle must load without a
 * `node_modules`.
 */
export const BUNDLE_EXTERNALS = ['bowser'];

const platformFile = (...path: string[]): string =>
  // import.meta.dirname, not import.meta.url: the package's CommonJS build defines only the former.
  join(import.meta.dirname, '..', 'functions', 'commons', 'platform', ...path);

/**
 * Node's built-in modules the bundles use, each loaded the way `require` loads it. An ESM `import` of a
 * built-in builds an ES module facade first, which reads every export once, lazy getters included: for
 * `node:http` that loads undici for `http.WebSocket`, which no function uses. An `import('node:http')` alone
 * takes several times as long as `process.getBuiltinModule`, and the http-api bundle imports faster without
 * the facades (measured: docs/benchmarks.md). Each one is aliased to an ES module,
 * functions/commons/platform/node-builtins/<name>.mjs (written by scripts/node-builtins.ts), whose default export
 * is `process.getBuiltinModule(name)` (Node.js 22.3 and later; `node:process` is the global `process` itself) and
 * whose named exports are read from it once, each through a call marked pure: a bundle reads only the names it
 * imports. Not CommonJS stand-ins: esbuild's interop copies every export of a CommonJS module into a new object
 * (one getter per export) once per importing module: 21 copies in the http-api bundle, about 0.3 ms of its import
 * (counted in instructions, callgrind). A CommonJS `require` of a built-in (the X-Ray SDK's `require('http')`
 * in the Tracer variant) must not reach that ES module: to hand CommonJS an object, esbuild evaluates all of
 * it, every export read, `http.WebSocket` (undici, http2, worker_threads) included. So the alias points at
 * `#node-builtins/<name>`, which package.json `imports` resolves by condition: `require` (esbuild applies it to
 * `require()` calls) to <name>.cjs, one line exporting the live module, anything else to <name>.mjs. The
 * `imports` map is the repository's: every bundle is built with `absWorkingDir` at the repository root (an
 * alias resolves from there), and the package ships the built bundles, not these files. A test in
 * test/infra/call-control-function.test.ts fails, naming it, when a prebuilt bundle imports a built-in missing
 * from this list; test/unit/node-builtins.test.ts holds each stand-in to its built-in, and
 * test/infra/bundle-module-loads.test.ts checks that no http-api bundle loads undici at import.
 */
export const BUNDLE_BUILTINS = [
  'console',
  'crypto',
  'diagnostics_channel',
  'fs',
  'fs/promises',
  'http',
  'https',
  'os',
  'path',
  'process',
  'querystring',
  'stream',
  'timers',
  'url',
  'zlib',
] as const;

/**
 * Modules replaced in every bundle (esbuild `alias`). The AWS SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`: SSO, shared ini files, `credential_process`, web identity, container and
 * instance metadata, with their nested STS / SSO clients) becomes functions/commons/platform/aws-credentials.ts,
 * which reads the environment only: Lambda always puts the execution role's credentials there. Measured, the
 * chain was about 130 KiB of the 426 KiB http-api bundle. test/infra/call-control-function.test.ts proves a
 * bundle signs requests with environment credentials and contains none of the other providers.
 * `@smithy/core/checksum`, whose only export the clients take is `Sha256`, becomes
 * functions/commons/platform/aws-sha256.ts, the `node:crypto` hash that module gives on Node.js: its JavaScript
 * fallback, which every function carried, runs only on a Node.js without SHA-256 in `node:crypto` (Lambda's
 * has it). test/unit/aws-sha256.test.ts holds the stand-in to the SDK's own digests, and the infra test checks
 * a bundle's request signature against the SDK's signer; esbuild fails the build if a client ever imports
 * another name from the module. `@smithy/node-http-handler`, whose only exports the clients take are
 * `NodeHttpHandler` and `streamCollector`, becomes functions/commons/platform/aws-http-handler.ts: its HTTP/1.1
 * path as the functions use it (keep-alive agents, connection, request and socket timeouts, abort, the same
 * error names the SDK's retry strategy reads), without its HTTP/2 handler, `100 Continue` wait and socket-usage
 * warning. test/integration/aws-http-handler.test.ts and aws-http-handler-transport.test.ts send the same
 * exchanges through both handlers and compare them (bodies, statuses, refused and reset connections, the
 * connection, request and socket timeouts, abort, keep-alive, https with a given CA);
 * test/infra/bundled-aws-client.test.ts reads a secret with a bundle against the local Secrets Manager,
 * retrying and timing out as the SDK does. `@smithy/core/config` becomes functions/commons/platform/aws-config.ts:
 * the same names, but every setting (region, endpoint URL, attempts, retry mode, FIPS, ...) is read from the
 * environment only, never from `~/.aws/config` and `~/.aws/credentials` (Lambda has neither; looking for them
 * cost the first request a few milliseconds of file system calls), and the region is never asked of the EC2
 * instance metadata service (Lambda sets `AWS_REGION`). test/unit/aws-config.test.ts holds it to the SDK's module
 * with no shared files present; the bundled read above shows a file's setting is not taken.
 * `@smithy/signature-v4` becomes functions/commons/platform/aws-sigv4.ts: its SigV4 request (and string) signing,
 * without presigned URLs and event-stream message signing, which no operation of the functions uses (asked for,
 * it throws). test/unit/aws-sigv4.test.ts signs generated requests with both and compares; the infra test above
 * checks a bundle's signature with the SDK's signer.
 * `@aws-sdk/core/protocols`, whose only exports the clients take are `AwsJson1_1Protocol` (Secrets Manager,
 * EventBridge, CloudWatch Logs) and `AwsJson1_0Protocol` (DynamoDB, with its own codec), becomes
 * functions/commons/platform/aws-json-protocol.ts: the same protocol over the clients' schemas without the SDK's
 * RPC and HTTP protocol bases, byte-level JSON codec and AWS Query layer (22 KiB of the http-api bundle). An alias,
 * not a plugin for the Secrets Manager client alone: the bundles are built with `buildSync`, which takes no
 * plugins, and every client of the functions then drops the same stack. test/unit/aws-json-protocol.test.ts runs
 * it and the SDK's protocol on generated requests, answers and errors of every operation of those four clients;
 * test/infra/bundled-json-protocol.test.ts sends a bundled `GetSecretValue` with each against the local and a
 * scripted Secrets Manager and compares requests, outputs, errors and retries; bundled-json-protocol-dynamodb.test.ts
 * does the same for Powertools Idempotency's record writes (the record read back from a conditional-check failure).
 * `@smithy/core/event-streams` (the event-stream serde, 14 KiB of the http-api bundle) becomes
 * functions/commons/platform/aws-event-streams.ts: only an operation that streams events uses it (CloudWatch Logs'
 * `StartLiveTail`, Bedrock's and Transcribe's streams), and none the functions send does, which
 * test/unit/aws-event-streams.test.ts checks for every operation of every AWS client the functions import; the
 * stand-in gives a client what it builds at construction and refuses a stream (EventStreamsNotBundledError).
 * `@aws-lambda-powertools/commons/utils/env` becomes
 * functions/commons/platform/powertools-env.ts, the same module with whether invocations run concurrently decided
 * once (Powertools read `AWS_LAMBDA_MAX_CONCURRENCY` 16 times per warm invocation); test/unit/powertools-env.test.ts
 * bundles a function's Powertools with and without it and compares the lines written, byte for byte. Every
 * built-in of BUNDLE_BUILTINS, with and without its `node:` prefix, becomes its stand-in module.
 */
export const BUNDLE_ALIAS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': platformFile('aws-credentials.ts'),
  '@aws-sdk/core/protocols': platformFile('aws-json-protocol.ts'),
  '@smithy/core/checksum': platformFile('aws-sha256.ts'),
  '@smithy/core/event-streams': platformFile('aws-event-streams.ts'),
  '@smithy/core/config': platformFile('aws-config.ts'),
  '@smithy/node-http-handler': platformFile('aws-http-handler.ts'),
  '@smithy/signature-v4': platformFile('aws-sigv4.ts'),
  '@aws-lambda-powertools/commons/utils/env': platformFile('powertools-env.ts'),
  ...Object.fromEntries(
    BUNDLE_BUILTINS.flatMap((name) => {
      const file = `#node-builtins/${name.replace('/', '-')}`;
      return [
        [name, file],
        [`node:${name}`, file],
      ];
    }),
  ),
};

/**
 * Environment every function gets (a caller's own `environment` wins). `MALLOC_ARENA_MAX=2` stops glibc from
 * giving each of Node's threads its own malloc arena: measured here, it cuts the peak RSS of a cleanup run by
 * 15-17 MiB, memory a 128 MB function does not have to spare.
 */
export const FUNCTION_RUNTIME_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * Build-time switch of the Powertools Tracer (functions/commons/platform/tracing.ts): the bundler replaces this
 * expression with a constant, so a bundle without the Tracer does not contain it at all.
 */
export const bundleDefine = (powertoolsTracer: boolean): Record<string, string> => ({
  'process.env.CALL_CONTROL_POWERTOOLS_TRACER': JSON.stringify(String(powertoolsTracer)),
  // functions/commons/platform/bundle-prelude.ts: a bundle maps its own stack traces, lazily.
  'process.env.CALL_CONTROL_BUNDLED': JSON.stringify('true'),
});

/**
 * The complete esbuild options of every function bundle, in esbuild's own shape: the package build
 * (`scripts/build.ts`, the bundles shipped in `dist/functions/`), the construct's `bundling: 'source'` mode and
 * the benchmark all build with exactly these. A Node.js 24 ESM bundle that carries every dependency (the AWS
 * SDK included), minified, with an external source map without the sources.
 */
export const functionBundleOptions = (powertoolsTracer: boolean) => ({
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node24',
  mainFields: [...BUNDLE_MAIN_FIELDS],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  sourcemap: true,
  // Stack traces only need file and line; embedding the sources would double the asset size.
  sourcesContent: false,
  external: [...BUNDLE_EXTERNALS],
  alias: { ...BUNDLE_ALIAS },
  define: bundleDefine(powertoolsTracer),
});
