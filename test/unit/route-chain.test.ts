import type {
  Context,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import * as validators from '#commons/generated/validators';
import { route } from '../../functions/commons/http/route.ts';
import { REQUEST_DEADLINE_MARGIN_MS } from '../../functions/commons/platform/settings.ts';

const SID = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const event = (extra: Partial<HttpEvent> = {}): HttpEvent =>
  ({
    routeKey: 'POST /calls/{callSid}/terminate',
    rawPath: `/calls/${SID}/terminate`,
    pathParameters: { callSid: SID },
    body: {},
    ...extra,
  }) as unknown as HttpEvent;
const context = (remaining = 30_000): Context =>
  ({ getRemainingTimeInMillis: () => remaining, invokedFunctionArn: 'arn' }) as unknown as Context;
const OK: HttpResult = { statusCode: 200 };

/** Calls a route as the router does. */
const call = (handler: ReturnType<typeof route>, given: HttpEvent, ctx = context()) =>
  handler(given, ctx, (() => {}) as never) as Promise<HttpResult>;

describe('route (one operator route: its middlewares, the validator, the checks, the handler)', () => {
  it('runs the befores, the validator and the checks in order, then the handler with a deadline', async () => {
    const seen: string[] = [];
    const handler = vi.fn(async (_event: HttpEvent, signal: AbortSignal) => {
      seen.push(`handler aborted=${signal.aborted}`);
      return OK;
    });
    const given = event({ body: undefined });
    const answer = await call(
      route(
        validators.validateTerminateCallEvent,
        handler,
        [
          {
            before: ({ event: e }: { event: HttpEvent }) => {
              seen.push('before');
              // The validator runs after: without a body the event is invalid.
              (e as { body?: unknown }).body = {};
            },
          },
          { before: async () => void seen.push('async before') },
        ],
        [{ before: () => void seen.push('check') }],
      ),
      given,
    );

    expect(answer).toBe(OK);
    expect(seen).toEqual(['before', 'async before', 'check', 'handler aborted=false']);
    expect(handler).toHaveBeenCalledWith(given, expect.any(AbortSignal), expect.anything());
  });

  it('gives the handler the event a middleware put in its place, as middy gives it request.event', async () => {
    const replaced = event();
    const handler = vi.fn(async (_event: HttpEvent) => OK);
    await call(
      route(validators.validateTerminateCallEvent, handler, [
        {
          before: (request: { event: HttpEvent }) => {
            request.event = replaced;
          },
        },
      ]),
      event(),
    );
    expect(handler.mock.calls[0]?.[0]).toBe(replaced);
  });

  it('answers with what a middleware returns, as middy does, and never calls the handler', async () => {
    const handler = vi.fn(async () => OK);
    const early: HttpResult = { statusCode: 204 };
    const check = vi.fn();

    const answer = await call(
      route(
        validators.validateTerminateCallEvent,
        handler,
        [{ before: async () => early }],
        [{ before: check }],
      ),
      event(),
    );

    expect(answer).toBe(early);
    expect(check).not.toHaveBeenCalled();
    expect(handler).not.toHaveBeenCalled();
  });

  it("throws the validator's own error for an invalid event, before any check or the handler", async () => {
    const handler = vi.fn(async () => OK);
    const check = vi.fn();
    const failure = await call(
      route(validators.validateTerminateCallEvent, handler, [], [{ before: check }]),
      event({ pathParameters: { callSid: 'nope' } }),
    ).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      statusCode: 400,
      message: 'Event object failed validation',
      cause: { package: '@middy/validator', data: expect.any(Array) },
    });
    expect(check).not.toHaveBeenCalled();
    expect(handler).not.toHaveBeenCalled();
  });

  it('passes on what a middleware throws as it is', async () => {
    const thrown = new Error('refused');
    const failure = await call(
      route(
        validators.validateTerminateCallEvent,
        async () => OK,
        [],
        [
          {
            before: () => {
              throw thrown;
            },
          },
        ],
      ),
      event(),
    ).catch((error: unknown) => error);

    expect(failure).toBe(thrown);
  });

  it('gives the handler a signal that ends the margin before the invocation does', async () => {
    vi.useFakeTimers();
    try {
      let signal: AbortSignal | undefined;
      const pending = call(
        route(validators.validateTerminateCallEvent, (_event, given) => {
          signal = given;
          return new Promise<HttpResult>((resolve) => given.addEventListener('abort', () => resolve(OK)));
        }),
        event(),
        context(REQUEST_DEADLINE_MARGIN_MS + 50),
      );
      await vi.advanceTimersByTimeAsync(49);
      expect(signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).resolves.toBe(OK);
      expect(signal?.reason).toMatchObject({ name: 'TimeoutError' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an $async validator on the first request, as @middy/validator did: its promise would pass every event', async () => {
    // Prepare: what Ajv compiles from a schema with `$async: true` (a promise, rejected for an invalid event)
    const handler = vi.fn(async () => OK);
    const asyncValidator = Object.assign(async () => Promise.reject(new Error('invalid')), {
      $async: true as const,
    });

    // Act
    const failure = await call(
      route(asyncValidator as unknown as typeof validators.validateTerminateCallEvent, handler),
      event({ pathParameters: { callSid: 'nope' } }),
    ).catch((error: unknown) => error);

    // Assess: refused before any step; SignalWire never reached
    expect(failure).toMatchObject({ message: 'a route validator is synchronous, not $async' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a middleware with an `after` or `onError` on the first request: they would never run', async () => {
    for (const middleware of [{ before: () => {}, after: () => {} }, { onError: () => {} }, {}]) {
      const handler = vi.fn(async () => OK);
      await expect(
        call(route(validators.validateTerminateCallEvent, handler, [], [middleware]), event()),
      ).rejects.toThrow('a route middleware has a `before` and nothing else');
      expect(handler).not.toHaveBeenCalled();
    }
  });
});
