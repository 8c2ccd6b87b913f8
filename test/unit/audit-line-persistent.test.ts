import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';

/**
 * The audit line's template splices temporary keys only while no persistent key was ever set: Powertools orders a
 * line's keys by its own key map, where a key made persistent keeps that place or value. Each case runs the same
 * steps through Powertools' Logger and the project's, and requires the same lines.
 */
const ctx = (awsRequestId: string): Context =>
  createLambdaContext({ functionName: 'f', memoryMB: 256, timeoutMs: 1, awsRequestId });
const rec = (callSid: string) =>
  ({
    trigger: 'http',
    actor: { name: 'n', attested: {}, claimed: {} },
    accountSid: 'a',
    callSid,
    change: {},
    outcome: 'updated',
  }) as AuditRecord;

const run = (
  steps: Array<(l: Logger) => void>,
  opts: Record<string, unknown> = {},
  env: Record<string, string> = {},
) => {
  const out: string[][] = [];
  for (const W of [Logger, CallControlLogger]) {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      lines.push(String(c).replace(/"timestamp":"[^"]+"/, 'T'));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      lines.push(String(c).replace(/"timestamp":"[^"]+"/, 'T'));
      return true;
    });
    const l = new W({ serviceName: 's', ...opts });
    for (const s of steps) s(l);
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    out.push(lines);
  }
  return out;
};
const inv = (id: string) => (l: Logger) => {
  l.resetKeys();
  l.refreshSampleRateCalculation();
  l.addContext(ctx(id));
};
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

it('a key made persistent after it was appended keeps its persistent value, as Powertools writes it', () => {
  const [pt, lean] = run([
    inv('r0'),
    (l) => audit(l, rec('CA0')),
    inv('r1'),
    (l) => l.appendKeys({ callSid: 'CA-temp' }),
    (l) => l.appendPersistentKeys({ callSid: 'CA-persist' }),
    (l) => audit(l, rec('CA1')),
  ]);
  expect(lean).toEqual(pt);
});

it('persistent attributes set over an appended key win on a cold start too', () => {
  const [pt, lean] = run([
    inv('r0'),
    (l) => l.appendKeys({ tenant: 't' }),
    (l) => l.setPersistentLogAttributes({ tenant: 'p' }),
    (l) => audit(l, rec('CA1')),
  ]);
  expect(lean).toEqual(pt);
});

it("a persistent key removed while it is also appended leaves the next invocation's keys in Powertools' order", () => {
  const [pt, lean] = run([
    inv('r0'),
    (l) => audit(l, rec('CA0')),
    inv('r1'),
    (l) => l.appendPersistentKeys({ a: 'p' }),
    (l) => l.appendKeys({ b: 'b1' }),
    (l) => l.appendKeys({ a: 'a1' }),
    (l) => l.removePersistentKeys(['a']),
    (l) => audit(l, rec('CA1')),
    inv('r2'),
    (l) => l.appendKeys({ b: 'b2' }),
    (l) => l.appendKeys({ a: 'a2' }),
    (l) => audit(l, rec('CA2')),
  ]);
  expect(lean).toEqual(pt);
});

it("persistent attributes dropped in an earlier invocation leave later lines' keys in Powertools' order", () => {
  const [pt, lean] = run([
    inv('r0'),
    (l) => l.appendPersistentKeys({ a: 'p' }),
    (l) => audit(l, rec('CA0')),
    inv('r1'),
    (l) => l.setPersistentLogAttributes({}),
    inv('r2'),
    (l) => l.appendKeys({ b: 'b2' }),
    (l) => l.appendKeys({ a: 'a2' }),
    (l) => audit(l, rec('CA2')),
    inv('r3'),
    (l) => l.appendKeys({ b: 'b3' }),
    (l) => l.appendKeys({ a: 'a3' }),
    (l) => audit(l, rec('CA3')),
  ]);
  expect(lean).toEqual(pt);
});
