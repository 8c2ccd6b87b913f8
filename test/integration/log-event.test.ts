import { createHmac, randomUUID } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from '#local/local-stack';
import { NodeSha256 } from '../../cli/core/sha256.ts';
import { signInOverHttp } from '../support/console-sign-in.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * `POWERTOOLS_LOGGER_LOG_EVENT=true` (a Powertools switch an app can pass through the construct's `environment`)
 * would log every invocation's whole event, credentials included. Through the real functions behind the local
 * API Gateway: no bearer token, cookie or SignalWire signature reaches any line, and the switch is said to be
 * ignored, with the reason.
 */

const output = captureOutput();
let stack: LocalStack;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
  delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
});

const COOKIE = `session=${randomUUID()}`;

/** A GET signed with SigV4 as the CLI signs it (the local API Gateway checks it against the local credentials). */
const signedGet = async (url: URL) => {
  const signer = new SignatureV4({
    credentials: LOCAL_CREDENTIALS,
    region: 'us-east-1',
    service: 'execute-api',
    sha256: NodeSha256,
  });
  const { headers } = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host },
  });
  const sent = { ...(headers as Record<string, string>) };
  delete sent.host;
  return { authorization: sent.authorization ?? '', answer: await fetch(url, { headers: sent }) };
};

describe('POWERTOOLS_LOGGER_LOG_EVENT=true', () => {
  it('logs no credential of an operator request or a status callback, and warns that it is ignored', async () => {
    // Prepare
    const sid = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 }).sid;
    const url = `${stack.api.url}${STATUS_CALLBACK_ROUTE.path}`;
    const params: Array<[string, string]> = [
      ['AccountSid', stack.projectId],
      ['CallSid', randomUUID()],
      ['CallStatus', 'completed'],
    ];
    const signature = createHmac('sha1', stack.signingKey)
      .update(
        url +
          [...params]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => k + v)
            .join(''),
      )
      .digest('base64');

    const origin = `http://localhost:${stack.api.port}`;
    const bearer = await signInOverHttp(origin, 'viewer', 'local-viewer');

    // Act: requests as the console, the CLI and SignalWire send them, credentials in their headers
    const sigv4 = await signedGet(new URL(`${stack.api.url}/calls/${sid}`));
    const answers = await Promise.all([
      fetch(`${origin}/console-api/calls/${sid}`, {
        headers: { Authorization: `Bearer ${bearer}`, Cookie: COOKIE },
      }),
      fetch(url, {
        method: 'POST',
        body: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-SignalWire-Signature': signature },
      }),
    ]);

    // Assess: both functions acted on the requests (the callback accepted: its signature held), none wrote a credential
    expect([sigv4.answer, ...answers].map((answer) => answer.status)).toEqual([200, 200, 204]);
    const everything = output.lines.join('');
    expect(everything).toContain('"function_name"');
    const sigv4Signature = sigv4.authorization.split('Signature=')[1] ?? '';
    expect(sigv4Signature).toMatch(/^[0-9a-f]{64}$/);
    for (const secret of [bearer, sigv4Signature, COOKIE, signature])
      expect(everything).not.toContain(secret);
    expect(everything).not.toContain('Lambda invocation event');
    const warnings = output
      .records()
      .filter(
        (record) => record.level === 'WARN' && String(record.message).includes('POWERTOOLS_LOGGER_LOG_EVENT'),
      );
    expect(warnings).toHaveLength(1); // once, at load, not per invocation
    expect(warnings[0]?.message).toBe('POWERTOOLS_LOGGER_LOG_EVENT ignored: events hold secrets');
  });
});
