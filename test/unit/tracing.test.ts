import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';

const load = async (switchedOn: boolean) => {
  vi.resetModules();
  if (switchedOn) process.env.CALL_CONTROL_POWERTOOLS_TRACER = 'true';
  else delete process.env.CALL_CONTROL_POWERTOOLS_TRACER;
  return import('#commons/platform/tracing');
};

afterEach(() => {
  delete process.env.CALL_CONTROL_POWERTOOLS_TRACER;
});

describe('the Powertools Tracer switch', () => {
  it('is off by default: no tracer, no middleware, SDK clients untouched', async () => {
    const tracing = await load(false);
    const client = { send: () => undefined };

    expect(tracing.tracer).toBeUndefined();
    expect(tracing.traceHandler()).toEqual([]);
    expect(tracing.traced(client)).toBe(client);
  });

  it('when switched on, traces the handler with the Powertools middleware', async () => {
    const tracing = await load(true);

    expect(tracing.tracer).toBeInstanceOf(Tracer);
    const [middleware] = tracing.traceHandler();
    expect(typeof middleware?.before).toBe('function');
    expect(typeof middleware?.after).toBe('function');
    expect(typeof middleware?.onError).toBe('function');
  });
});
