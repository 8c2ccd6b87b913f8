import { fork, type Serializable } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const driver = resolve(import.meta.dirname, '../../bench/warm-driver.mjs');
const work = mkdtempSync(join(tmpdir(), 'bench-warm-driver-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A function that takes 120 ms per invocation and answers 200 only when its invocation got (nearly) the whole 30 s
 * the driver's context gives, from a fresh event of its own: the event's call and request id, and the time left.
 */
const HANDLER = `
const seen = new Set();
export const handler = async (event, context) => {
  const left = context.getRemainingTimeInMillis();
  const fresh = !seen.has(event.requestContext.requestId) && event.rawPath === \`/calls/\${event.pathParameters.callSid}/terminate\`;
  seen.add(event.requestContext.requestId);
  await new Promise((resolve) => setTimeout(resolve, 120));
  return { statusCode: fresh && left > 29_700 ? 200 : 500 };
};
`;

interface Answer {
  series?: Record<string, { durationsMs: number[]; failures: number; cpuMs: number }>;
  error?: string;
}

const runDriver = (plan: Serializable): Promise<Answer> =>
  new Promise((done, fail) => {
    const child = fork(driver, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let answer: Answer | undefined;
    child.once('message', (received) => {
      answer = received as Answer;
    });
    child.once('error', fail);
    child.once('exit', (code) =>
      answer ? done(answer) : fail(new Error(`the warm driver exited ${code} without an answer`)),
    );
    child.send(plan);
  });

describe('the warm driver', () => {
  it("gives each invocation its own event and a context whose deadline counts from that invocation's start", async () => {
    // Prepare: six invocations of 120 ms in one series. Contexts built all up front left the fourth only
    // 29.6 s or less of its 30 s, as a window stretched by callgrind left its last ones none.
    const bundle = join(work, 'handler.mjs');
    writeFileSync(bundle, HANDLER);
    const sids = Array.from({ length: 6 }, (_, index) => `00000000-0000-4000-8000-00000000000${index}`);
    const template = {
      rawPath: '/calls/x/terminate',
      requestContext: { http: { path: '/calls/x/terminate' }, requestId: 'template' },
      pathParameters: { callSid: 'x' },
    };

    // Act
    const answer = await runDriver({
      bundle,
      template,
      projectId: 'bench-project',
      authorization: 'Basic none',
      warmup: 1,
      series: [{ label: 'handler', kind: 'handler', sids }],
    });

    // Assess: every counted invocation found its own event and its whole deadline ahead of it.
    expect(answer.error).toBeUndefined();
    expect(answer.series?.handler?.durationsMs).toHaveLength(5);
    expect(answer.series?.handler?.failures).toBe(0);
  });
});
