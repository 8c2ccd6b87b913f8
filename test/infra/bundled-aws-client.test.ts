import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SDK_REQUEST_TIMEOUT_MS, SDK_SOCKET_TIMEOUT_MS } from '#commons/platform/aws-sdk';
import { functionBundleOptions } from '../../infra/runtime.ts';
import { LocalAws } from '../../local/aws-emulator.ts';
import { projectScratchDirectory } from './support.ts';

/**
 * The secret read of the functions, bundled as they are deployed (infra/runtime.ts, with the modules it replaces
 * in the AWS SDK), run in its own Node.js process against the local Secrets Manager: the real SDK client,
 * through Powertools Parameters, configured from the environment as on Lambda, retrying what the SDK retries
 * and giving up on a stalled service after its request timeout.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const scratch = projectScratchDirectory();
const entry = join(scratch, 'read-secret.ts');
const bundle = join(scratch, 'read-secret', 'index.mjs');
const run = promisify(execFile);

let aws: LocalAws;
let stalled: Server;
let stalledAfterHeaders: Server;
const held = new Set<Socket>();

beforeAll(async () => {
  writeFileSync(
    entry,
    [
      `import { SecretsManagerSource } from ${JSON.stringify(join(ROOT, 'functions', 'commons', 'signalwire', 'credentials.ts'))};`,
      "const source = new SecretsManagerSource(process.env.SECRET_ID ?? '', 300);",
      'const started = Date.now();',
      'const result = await source.read(true).then(',
      '  (value) => ({ value }),',
      '  (error) => ({ error: error.name, message: error.message, retryable: error.retryable }),',
      ');',
      'process.stdout.write(JSON.stringify({ ...result, elapsedMs: Date.now() - started }));',
      '',
    ].join('\n'),
  );
  await build({
    ...functionBundleOptions(false),
    entryPoints: [entry],
    outfile: bundle,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  aws = await LocalAws.start();
  aws.putSecret('prod/signalwire', '{"read":"through the bundle"}');
  // Reads the request and then says nothing: a stalled Secrets Manager.
  stalled = createServer((request) => request.resume());
  stalled.on('connection', (socket) => {
    held.add(socket);
  });
  stalled.listen(0, '127.0.0.1');
  await once(stalled, 'listening');
  // Sends the headers and the start of a body, and then nothing.
  stalledAfterHeaders = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.write('{"Name":');
    });
  });
  stalledAfterHeaders.on('connection', (socket) => {
    held.add(socket);
  });
  stalledAfterHeaders.listen(0, '127.0.0.1');
  await once(stalledAfterHeaders, 'listening');
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  stalled.close();
  stalledAfterHeaders.close();
  await aws.stop();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  aws.secretReads.length = 0;
});

/** Runs the bundle once with Lambda's environment (endpoint and settings as given). */
const readSecret = async (env: Record<string, string | undefined>) => {
  const variables: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIAFROMTHEENVIRONMENT',
    AWS_SECRET_ACCESS_KEY: 'secret-from-the-environment',
    AWS_SESSION_TOKEN: 'session-token',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    SECRET_ID: 'prod/signalwire',
    ...env,
  };
  // A variable given as undefined is left out.
  for (const [name, value] of Object.entries(variables)) if (value === undefined) delete variables[name];
  const { stdout } = await run(process.execPath, [bundle], { encoding: 'utf8', env: variables });
  return JSON.parse(stdout) as { value?: string; error?: string; message?: string; elapsedMs: number };
};

describe('the bundled Secrets Manager read', () => {
  it('carries the stand-ins, not the modules they replace', () => {
    const code = readFileSync(bundle, 'utf8');

    expect(code).not.toContain('socket usage at capacity'); // @smithy/node-http-handler
    // @smithy/core/config's shared files loader and instance-metadata region lookup
    for (const gone of [
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      '/latest/meta-data/placement/region',
    ]) {
      expect(code).not.toContain(gone);
    }
  });

  it('reads the secret from the endpoint AWS_ENDPOINT_URL_SECRETS_MANAGER names', async () => {
    const result = await readSecret({});

    expect(result).toMatchObject({ value: '{"read":"through the bundle"}' });
    expect(aws.secretReads.map((read) => read.secretId)).toEqual(['prod/signalwire']);
  });

  it('takes its settings from the environment only, never from the shared configuration files', async () => {
    mkdirSync(join(scratch, '.aws'), { recursive: true });
    writeFileSync(join(scratch, '.aws', 'config'), '[default]\nregion = eu-west-1\nmax_attempts = 7\n');

    const result = await readSecret({ AWS_REGION: undefined });

    // No region: the SDK would have taken eu-west-1 from the file.
    expect(result).toMatchObject({ error: 'CredentialsError', message: expect.stringContaining('(Error)') });
    expect(aws.secretReads).toHaveLength(0);
    rmSync(join(scratch, '.aws'), { recursive: true });
  });

  it('retries a 500 and a throttled answer, as the SDK does, and reads the secret at the third attempt', async () => {
    aws.injectSecretsManagerFault({ kind: 'error', type: 'InternalServiceError', status: 500 });
    aws.injectSecretsManagerFault({ kind: 'error', type: 'ThrottlingException', status: 400 });

    const result = await readSecret({});

    expect(result).toMatchObject({ value: '{"read":"through the bundle"}' });
    expect(aws.secretReads).toHaveLength(3);
  });

  it('retries a dropped connection', async () => {
    aws.injectSecretsManagerFault({ kind: 'drop' });

    const result = await readSecret({});

    expect(result).toMatchObject({ value: '{"read":"through the bundle"}' });
    expect(aws.secretReads).toHaveLength(2);
  });

  it('stops at AWS_MAX_ATTEMPTS', async () => {
    aws.injectSecretsManagerFault({ kind: 'error', type: 'InternalServiceError', status: 500, times: 2 });

    const result = await readSecret({ AWS_MAX_ATTEMPTS: '2' });

    expect(result).toMatchObject({
      error: 'CredentialsError',
      message: expect.stringContaining('(InternalServiceError)'),
    });
    expect(aws.secretReads).toHaveLength(2);
  });

  it('does not retry a missing secret', async () => {
    const result = await readSecret({ SECRET_ID: 'prod/missing' });

    expect(result).toMatchObject({
      error: 'CredentialsError',
      message: expect.stringContaining('(ResourceNotFoundException)'),
    });
    expect(aws.secretReads).toHaveLength(1);
  });

  it('gives up on a stalled Secrets Manager after the request timeout', async () => {
    const result = await readSecret({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
      AWS_MAX_ATTEMPTS: '1',
    });

    expect(result).toMatchObject({
      error: 'CredentialsError',
      message: expect.stringContaining('(TimeoutError)'),
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(SDK_REQUEST_TIMEOUT_MS - 100);
    expect(result.elapsedMs).toBeLessThan(SDK_REQUEST_TIMEOUT_MS + 1_500);
  }, 20_000);

  it('gives up on an answer that stalls after its headers after the socket timeout', async () => {
    const result = await readSecret({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(stalledAfterHeaders.address() as AddressInfo).port}`,
      AWS_MAX_ATTEMPTS: '1',
    });

    expect(result).toMatchObject({
      error: 'CredentialsError',
      message: expect.stringContaining('(TimeoutError)'),
    });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(SDK_SOCKET_TIMEOUT_MS - 100);
    expect(result.elapsedMs).toBeLessThan(SDK_SOCKET_TIMEOUT_MS + 1_500);
  }, 20_000);
});
