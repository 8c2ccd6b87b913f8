import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAws } from '../../local/aws-emulator.ts';
import { bundleWithAndWithoutStandIn, protocolStandIn } from './protocol-bundles.ts';
import { projectScratchDirectory } from './support.ts';

/**
 * A `GetSecretValue` sent by the Secrets Manager client bundled as the functions are (infra/runtime.ts), in its own
 * Node.js process, once with the project's JSON protocol (functions/commons/platform/aws-json-protocol.ts, the
 * alias of `@aws-sdk/core/protocols`) and once with the SDK's own (the same bundle without that alias). Against the
 * local Secrets Manager and a scripted one, both must send the same requests and give the same result: the
 * output, or the error with its class, name, message, fault, metadata and retries.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const scratch = projectScratchDirectory();
const entry = join(scratch, 'get-secret-value.ts');
const run = promisify(execFile);

/** One answer of the scripted Secrets Manager. */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

let aws: LocalAws;
let scripted: Server;
let script: Answer[] = [];
let received: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  writeFileSync(
    entry,
    [
      "import * as sm from '@aws-sdk/client-secrets-manager';",
      `import { sdkClientDefaults } from ${JSON.stringify(join(ROOT, 'functions', 'commons', 'platform', 'aws-sdk.ts'))};`,
      'const client = new sm.SecretsManagerClient(sdkClientDefaults());',
      "// Dates and bytes as text; the retry delay (random jitter) and the local service's random request ids masked.",
      'const plain = (value) => JSON.parse(JSON.stringify(value, (key, v) =>',
      "  key === 'totalRetryDelay' ? undefined : key === 'requestId' && /^[0-9a-f-]{36}$/.test(v) ? 'uuid'",
      "  : v instanceof Uint8Array ? { bytes: Buffer.from(v).toString('base64') } : v));",
      '// The error classes of the client it is an instance of (minified class names differ between bundles).',
      "const classes = (error) => Object.entries(sm).filter(([, c]) => typeof c === 'function' && c.prototype instanceof Error && error instanceof c).map(([n]) => n).sort();",
      'const command = new sm.GetSecretValueCommand({ SecretId: process.env.SECRET_ID, VersionStage: "AWSCURRENT" });',
      'const result = await client.send(command).then(',
      '  (output) => ({ output: plain(output), createdDate: output.CreatedDate?.toISOString() }),',
      '  (error) => ({ error: { classes: classes(error), name: error.name, message: error.message, fault: error.$fault,',
      '    metadata: plain(error.$metadata), fields: plain({ ...error }), keys: Object.keys(error).sort() } }),',
      ');',
      'process.stdout.write(JSON.stringify(result));',
      '',
    ].join('\n'),
  );
  await bundleWithAndWithoutStandIn(entry, scratch);
  aws = await LocalAws.start();
  scripted = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { method, url, headers } = request;
      received.push({ method, url, headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = script.shift() ?? { status: 500, body: '' };
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', ...answer.headers });
      response.end(answer.body);
    });
  });
  scripted.listen(0, '127.0.0.1');
  await once(scripted, 'listening');
});

afterAll(async () => {
  scripted.close();
  await aws.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs one bundle against `endpoint` with Lambda's environment. */
const send = async (bundle: 'stand-in' | 'sdk', endpoint: string, secretId: string) => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIAFROMTHEENVIRONMENT',
    AWS_SECRET_ACCESS_KEY: 'secret-from-the-environment',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    SECRET_ID: secretId,
  };
  const { stdout } = await run(process.execPath, [join(scratch, bundle, 'index.mjs')], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** What Secrets Manager receives, without what differs from one request to the next. */
const requestView = ({ headers, ...rest }: (typeof received)[number]) => {
  const {
    authorization: _a,
    'x-amz-date': _d,
    'amz-sdk-invocation-id': _i,
    'amz-sdk-request': _r,
    ...kept
  } = headers;
  return { ...rest, headers: kept };
};

/** Both bundles through the scripted Secrets Manager answering `answers` in turn; what each gave and sent. */
const bothThrough = async (answers: Answer[]) => {
  const endpoint = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  const results = [];
  for (const bundle of ['sdk', 'stand-in'] as const) {
    script = [...answers];
    received = [];
    const result = await send(bundle, endpoint, 'prod/signalwire');
    results.push({ result, requests: received.map(requestView) });
  }
  return results as [(typeof results)[number], (typeof results)[number]];
};

const json = (value: object) => JSON.stringify(value);

describe('the bundled JSON protocol, against the SDK protocol in the same bundle', () => {
  it('is the one the function bundles carry', () => {
    const code = readFileSync(join(scratch, 'stand-in', 'index.mjs'), 'utf8');
    const sdk = readFileSync(join(scratch, 'sdk', 'index.mjs'), 'utf8');

    expect(protocolStandIn).toMatch(/aws-json-protocol\.ts$/);
    expect(code).toContain('the bundled AWS JSON protocol does not support');
    expect(code).not.toContain('RPC Protocol error handler failed to throw');
    expect(sdk).toContain('RPC Protocol error handler failed to throw');
    expect(code.length).toBeLessThan(sdk.length - 15_000);
  });

  it.each([
    ['a secret', 'prod/signalwire'],
    ['a missing secret', 'prod/missing'],
  ])('reads %s from the local Secrets Manager with the same result', async (_case, secretId) => {
    aws.putSecret('prod/signalwire', '{"read":"through the bundle"}');

    const sdk = await send('sdk', aws.url, secretId);
    const ours = await send('stand-in', aws.url, secretId);

    expect(ours).toEqual(sdk);
    expect(JSON.stringify(ours)).toContain(
      secretId === 'prod/missing' ? 'ResourceNotFoundException' : 'through',
    );
  });

  it('retries an injected 500 and throttling error of the local Secrets Manager as the SDK does', async () => {
    const results = [];
    for (const bundle of ['sdk', 'stand-in'] as const) {
      aws.injectSecretsManagerFault({ kind: 'error', type: 'InternalServiceError', status: 500 });
      aws.injectSecretsManagerFault({ kind: 'error', type: 'ThrottlingException', status: 400 });
      results.push(await send(bundle, aws.url, 'prod/signalwire'));
    }

    expect(results[1]).toEqual(results[0]);
    expect(results[1]).toMatchObject({ output: { $metadata: { attempts: 3 } } });
  });

  it.each<[string, Answer[]]>([
    [
      'every field of the answer (binary, stages, date)',
      [
        {
          status: 200,
          headers: { 'x-amzn-RequestId': 'req-1', 'x-amz-id-2': 'ext', 'x-amz-cf-id': 'cf' },
          body: json({
            ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:s',
            Name: 's',
            VersionId: 'v',
            SecretBinary: 'AAEC/w==',
            VersionStages: ['AWSCURRENT', 'AWSPREVIOUS'],
            CreatedDate: 1_765_000_000.123,
            Unmodeled: 'dropped',
          }),
        },
      ],
    ],
    [
      'a modeled error with Message',
      [{ status: 400, body: json({ __type: 'DecryptionFailure', Message: 'kms' }) }],
    ],
    [
      'a namespaced and suffixed code in the header only, empty body',
      [
        {
          status: 400,
          headers: { 'x-amzn-errortype': 'com.amazonaws.secretsmanager#ResourceNotFoundException:http://x/' },
          body: '',
        },
      ],
    ],
    [
      'an unmodeled code, then a 503 that is not JSON, then a success',
      [
        { status: 400, body: json({ __type: 'ThrottlingException', message: 'slow down' }) },
        { status: 503, body: '<html>Service Unavailable</html>' },
        { status: 200, body: json({ Name: 's', SecretString: 'x' }) },
      ],
    ],
    [
      'an unmodeled client error',
      [{ status: 403, body: json({ __type: 'AccessDeniedException', Message: 'no' }) }],
    ],
    [
      'a modeled server error until the attempts run out',
      [1, 2, 3].map(() => ({ status: 500, body: json({ __type: 'InternalServiceError', message: 'down' }) })),
    ],
  ])('sends the same requests and gives the same result for %s', async (_case, answers) => {
    const [sdk, ours] = await bothThrough(answers);

    expect(ours).toEqual(sdk);
    expect(ours.requests[0]).toMatchObject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: '{"SecretId":"prod/signalwire","VersionStage":"AWSCURRENT"}',
    });
  });
});
