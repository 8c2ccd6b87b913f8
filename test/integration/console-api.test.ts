import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { signInOverHttp } from '../support/console-sign-in.ts';

let stack: LocalStack;
let origin: string;
const tokens: Record<string, string> = {};

const live = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
const post = (path: string, token?: string, body?: unknown) =>
  fetch(`${origin}${path}`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });

beforeAll(async () => {
  stack = await startLocalStack({ stateDir: mkdtempSync(join(tmpdir(), 'console-api-')) });
  origin = `http://localhost:${stack.api.port}`;
  for (const user of ['viewer', 'operator', 'admin']) {
    tokens[user] = await signInOverHttp(origin, user, `local-${user}`);
  }
});
afterAll(() => stack?.stop());

describe('console sign-in (local stand-in): authorization code with PKCE', () => {
  it('refuses a wrong password with the form again and no code', async () => {
    await expect(signInOverHttp(origin, 'operator', 'wrong')).rejects.toThrow('sign-in refused (200)');
  });

  it('refuses a code exchange whose verifier does not match the challenge', async () => {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const authorized = await fetch(`${origin}/local-auth/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        response_type: 'code',
        client_id: 'local-console',
        redirect_uri: `${origin}/console/`,
        state: 'state-1234',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        username: 'admin',
        password: 'local-admin',
      }),
    });
    const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const exchange = await fetch(`${origin}/local-auth/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'local-console',
        code,
        redirect_uri: `${origin}/console/`,
        code_verifier: randomBytes(32).toString('base64url'),
      }),
    });
    expect(exchange.status).toBe(400);
    expect(await exchange.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('never sends a code to another host', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'local-console',
      redirect_uri: 'https://attacker.example/console/',
      state: 'state-1234',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const answer = await fetch(`${origin}/local-auth/oauth2/authorize?${query}`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('console API: the JWT authorizer enforces each role by scope', () => {
  it('refuses the viewer’s token on the end route with 403, and the call stays up', async () => {
    const call = live();
    const answer = await post(`/console-api/calls/${call.sid}/terminate`, tokens.viewer);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ message: 'Forbidden' });
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('lets the viewer list live calls', async () => {
    const call = live();
    const answer = await fetch(`${origin}/console-api/calls?status=in-progress`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(200);
    const { calls } = (await answer.json()) as { calls: Array<{ sid: string }> };
    expect(calls.map((c) => c.sid)).toContain(call.sid);
  });

  it('refuses a request without a token, or with a token it did not issue, 401', async () => {
    const call = live();
    expect((await post(`/console-api/calls/${call.sid}/terminate`)).status).toBe(401);
    const [header, payload] = (tokens.admin ?? '').split('.');
    const forged = `${header}.${payload}.${randomBytes(64).toString('base64url')}`;
    expect((await post(`/console-api/calls/${call.sid}/terminate`, forged)).status).toBe(401);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('lets the operator end a call, audited under the signed-in user as attested by the token', async () => {
    const call = live();
    const answer = await post(`/console-api/calls/${call.sid}/terminate`, tokens.operator);
    expect(answer.status).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
    const search = await fetch(`${origin}/console-api/audit?callSid=${call.sid}`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(search.status).toBe(200);
    const { records } = (await search.json()) as {
      records: Array<{
        audit: { actor: { name: string; attested: Record<string, string> }; outcome: string };
      }>;
    };
    expect(records).toHaveLength(1);
    expect(records[0]?.audit.outcome).toBe('updated');
    expect(records[0]?.audit.actor.name).toBe('jwt:operator');
    expect(records[0]?.audit.actor.attested).toMatchObject({
      jwtUsername: 'operator',
      jwtIssuer: `${origin}/local-auth`,
    });
  });

  it('keeps end-all for admins: 403 for the operator, done for the admin', async () => {
    const call = live();
    expect((await post(`/console-api/end-all/${call.sid}`, tokens.operator)).status).toBe(403);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
    const answer = await post(`/console-api/end-all/${call.sid}`, tokens.admin);
    expect(answer.status).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it("refuses an unknown query parameter on end-all naming what the route takes (api), not the listing's filters", async () => {
    const call = live();
    const answer = await post(`/console-api/end-all/${call.sid}?Status=canceled`, tokens.admin);
    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as {
      error: { violations: Array<{ field: string; message: string }> };
    };
    const { violations } = error;
    expect(violations).toEqual([
      expect.objectContaining({ field: 'Status', message: expect.stringContaining('allowed: api') }),
    ]);
    expect(violations[0]?.message).not.toContain('pageSize');
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('answers a bad audit filter 400 naming the field', async () => {
    const answer = await fetch(`${origin}/console-api/audit?callSid=not-a-sid`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ violations: [{ field: 'callSid', rule: 'sid' }] });
  });

  it.each([
    [
      'an unknown filter, which would widen the search to every record',
      'call=3fa85f64-5717-4562-b3fc-2c963f66afa6',
      'call',
      'unknown-field',
      'call is not a known filter; allowed: callSid, actor, trigger, since, until, limit',
    ],
    [
      'a filter given twice, which API Gateway would join with a comma',
      'trigger=http&trigger=event',
      'trigger',
      'type',
      'trigger must be given once',
    ],
  ])('answers an audit search with %s 400 naming it', async (_name, query, field, rule, message) => {
    const answer = await fetch(`${origin}/console-api/audit?${query}`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      message: 'Invalid request',
      violations: [{ field, rule, message }],
    });
  });

  it.each([
    ['a filter value', 'actor=%FF', 'actor'],
    ['a truncated sequence', 'actor=jwt%3Aop%E2%82', 'actor'],
    ['an overlong encoding', 'trigger=%C0%AF', 'trigger'],
    ['a filter name, before it is judged unknown', '%FF=1', 'query'],
  ])(
    'refuses percent-encoded bytes that are not UTF-8 in %s by name, never searching for U+FFFD',
    async (_what, query, field) => {
      const answer = await fetch(`${origin}/console-api/audit?${query}`, {
        headers: { authorization: `Bearer ${tokens.viewer}` },
      });
      const text = await answer.text();
      expect(answer.status, text).toBe(400);
      expect(JSON.parse(text)).toEqual({
        message: 'Invalid request',
        violations: [
          {
            field,
            rule: 'utf-8',
            message: `${field} is not valid UTF-8: percent-encode its text as UTF-8 bytes`,
          },
        ],
      });
      expect(text).not.toContain('\ufffd');
    },
  );

  it('searches for an actor written in percent-encoded UTF-8 as the text it is', async () => {
    const answer = await fetch(`${origin}/console-api/audit?actor=jwt%3Aop%C3%A9rateur`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ records: [] });
  });

  it('keeps the IAM routes for machines: a bearer token is no SigV4 signature there', async () => {
    const call = live();
    expect((await post(`/calls/${call.sid}/terminate`, tokens.admin)).status).toBe(403);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });
});

describe('console cleanup: a dry run for admins, the last runs for everyone', () => {
  const dryRun = (token: string | undefined, body: unknown) =>
    post('/console-api/cleanup/dry-run', token, body);

  it('reports what a policy would end, ends nothing, and audits each would-end under the admin, triggered over http', async () => {
    const old = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 9_000 });
    const answer = await dryRun(tokens.admin, { policy: { maxAgeSeconds: { inProgress: 8_000 } } });
    expect(answer.status).toBe(200);
    const { report } = (await answer.json()) as { report: { dryRun: boolean; wouldEnd: number } };
    expect(report.dryRun).toBe(true);
    expect(report.wouldEnd).toBeGreaterThanOrEqual(1);
    expect(stack.emulator.getCall(stack.projectId, old.sid)?.status).toBe('in-progress');
    const search = await fetch(`${origin}/console-api/audit?callSid=${old.sid}`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    const { records } = (await search.json()) as {
      records: Array<{ audit: { outcome: string; trigger: string; actor: { name: string } } }>;
    };
    expect(records.map((r) => [r.audit.outcome, r.audit.trigger, r.audit.actor.name])).toEqual([
      ['would-end', 'http', 'jwt:admin'],
    ]);
  });

  it('keeps a dry run even when the policy says dryRun false', async () => {
    const old = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 9_500 });
    const answer = await dryRun(tokens.admin, {
      policy: { maxAgeSeconds: { inProgress: 9_000 }, dryRun: false },
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, old.sid)?.status).toBe('in-progress');
  });

  it('refuses the operator 403 and a bad policy 400 naming the field', async () => {
    expect((await dryRun(tokens.operator, { policy: { maxAgeSeconds: { inProgress: 60 } } })).status).toBe(
      403,
    );
    const bad = await dryRun(tokens.admin, { policy: { maxAgeSeconds: { inProgress: -5 } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('policy.maxAgeSeconds.inProgress');
  });

  it('refuses, as the operator API does, a body over 8 KiB, a media type it cannot read and a key given twice', async () => {
    const raw = (body: string, type: string) =>
      fetch(`${origin}/console-api/cleanup/dry-run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': type },
        body,
      });
    const large = await raw(JSON.stringify({ policy: {}, pad: 'x'.repeat(9 * 1024) }), 'application/json');
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const text = await raw('policy', 'text/plain');
    expect(text.status).toBe(415);
    const twice = await raw(
      '{"policy":{"maxAgeSeconds":{"inProgress":60},"maxAgeSeconds":{"inProgress":9000}}}',
      'application/json',
    );
    expect(twice.status).toBe(400);
    expect(JSON.stringify(await twice.json())).toContain('maxAgeSeconds is given more than once');
  });

  it('lists the last cleanup reports for a viewer', async () => {
    // A cleanup run as the schedule would invoke it, through the local Lambda API.
    const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const lambda = new LambdaClient({ endpoint: stack.aws.url });
    await lambda.send(
      new InvokeCommand({
        FunctionName: 'call-control-cleanup',
        Payload: JSON.stringify({
          scheduleName: 'nightly',
          policy: { maxAgeSeconds: { queued: 86_400 }, dryRun: true },
        }),
      }),
    );
    const answer = await fetch(`${origin}/console-api/cleanup/runs`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(200);
    const { runs } = (await answer.json()) as { runs: Array<{ report: { scheduleName: string } }> };
    expect(runs[0]?.report.scheduleName).toBe('nightly');
  });

  it('answers at most `limit` cleanup reports when asked', async () => {
    const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const lambda = new LambdaClient({ endpoint: stack.aws.url });
    for (const scheduleName of ['first', 'second']) {
      await lambda.send(
        new InvokeCommand({
          FunctionName: 'call-control-cleanup',
          Payload: JSON.stringify({
            scheduleName,
            policy: { maxAgeSeconds: { queued: 86_400 }, dryRun: true },
          }),
        }),
      );
    }
    const answer = await fetch(`${origin}/console-api/cleanup/runs?limit=1`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(200);
    const { runs } = (await answer.json()) as { runs: Array<{ report: { scheduleName: string } }> };
    expect(runs.map((run) => run.report.scheduleName)).toEqual(['second']);
  });

  it.each([
    [
      'an unknown parameter',
      'since=2026-12-01',
      'since',
      'unknown-field',
      'since is not a known filter; allowed: limit',
    ],
    ['a limit past 100', 'limit=101', 'limit', 'range', 'limit must be an integer from 1 to 100'],
    ['a limit that is no integer', 'limit=ten', 'limit', 'range', 'limit must be an integer from 1 to 100'],
    ['a limit given twice', 'limit=1&limit=2', 'limit', 'type', 'limit must be given once'],
    [
      'bytes that are not UTF-8',
      'limit=%FF',
      'limit',
      'utf-8',
      'limit is not valid UTF-8: percent-encode its text as UTF-8 bytes',
    ],
  ])('answers the cleanup runs with %s 400 naming it', async (_name, query, field, rule, message) => {
    const answer = await fetch(`${origin}/console-api/cleanup/runs?${query}`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      message: 'Invalid request',
      violations: [{ field, rule, message }],
    });
  });
});

describe('console assets', () => {
  it('serves the page with a strict CSP that forbids inline script and framing', async () => {
    const answer = await fetch(`${origin}/console/`);
    expect(answer.status).toBe(200);
    const csp = answer.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await answer.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it('keeps the console’s script under 60 KiB gzipped', async () => {
    const { gzipSync } = await import('node:zlib');
    const script = Buffer.from(await (await fetch(`${origin}/console/console.js`)).arrayBuffer());
    expect(script.length).toBeGreaterThan(1_000);
    expect(gzipSync(script).length).toBeLessThan(60 * 1024);
  });

  it('writes audit records only with the state directory it was given', () => {
    // The CLI reads the same records: `call-control audit --local`.
    const file = stack.state?.auditLog ?? '';
    expect(readFileSync(file, 'utf8')).toContain('jwt:operator');
  });
});
