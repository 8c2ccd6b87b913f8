import { describe, expect, it } from 'vitest';
import { signalwireMessageOf } from '#commons/cleanup/report';
import { describeError, SignalWireError } from '#commons/errors';
import { cutUpstreamText, MAX_ERROR_TEXT_CHARS, parseErrorBody } from '#commons/signalwire/answers';

/** SignalWire's (or a gateway's) error answer, as the client reads it and the cleanup report describes it. */
const described = (status: number, body: string) =>
  describeError(new SignalWireError(status, parseErrorBody(status, body)), { operation: 'update' });

describe('upstream text as the report and events keep it', () => {
  it('never cuts between the two halves of a surrogate pair', () => {
    // The emoji straddles the cut: code units MAX-2 and MAX-1.
    const text = `${'a'.repeat(MAX_ERROR_TEXT_CHARS - 2)}😀${'b'.repeat(20)}`;
    const cut = cutUpstreamText(text);
    expect(cut.isWellFormed()).toBe(true);
    expect(cut).toBe(`${'a'.repeat(MAX_ERROR_TEXT_CHARS - 2)}…`);
    expect(cut.length).toBeLessThanOrEqual(MAX_ERROR_TEXT_CHARS);
    // One that ends right before the cut is kept whole.
    const whole = cutUpstreamText(`${'a'.repeat(MAX_ERROR_TEXT_CHARS - 3)}😀${'b'.repeat(20)}`);
    expect(whole).toBe(`${'a'.repeat(MAX_ERROR_TEXT_CHARS - 3)}😀…`);
    expect(whole.isWellFormed()).toBe(true);
  });

  it('keeps a reason SignalWire gave in the report, scrubbed of credentials', () => {
    expect(
      signalwireMessageOf(
        described(502, JSON.stringify({ code: 20502, message: 'edge down Bearer abc.def' })),
      ),
    ).toEqual({ signalwireMessage: 'edge down [redacted]' });
  });

  it('scrubs and bounds every item of an errors[] answer, each as the single message is', () => {
    const secret = 'PT0123456789abcdef0123';
    const item = (message: unknown) => ({ type: 'validation_error', code: 'invalid_parameter', message });
    const body = (...messages: unknown[]) => JSON.stringify({ errors: messages.map(item) });

    // A credential in the second item, the client's own secret in the third; items without a message skipped.
    const scrubbed = parseErrorBody(
      422,
      body('url is invalid', 7, 'echo Basic dXNlcjpwdw==', `token ${secret}`),
      [secret],
    );
    expect(scrubbed.message).toBe('url is invalid; echo [redacted]; token [redacted]');

    // The items' messages together are held to one cut, never between a surrogate pair's halves (the emoji
    // straddles it: code units MAX-2 and MAX-1, after the separator).
    const long = parseErrorBody(422, body('a'.repeat(MAX_ERROR_TEXT_CHARS - 4), '😀 and more'));
    expect(long.message).toBe(`${'a'.repeat(MAX_ERROR_TEXT_CHARS - 4)}; …`);
    expect(long.message.isWellFormed()).toBe(true);
  });

  it('gives no signalwireMessage for an answer that gave no reason (not JSON, or no message)', () => {
    expect(signalwireMessageOf(described(502, '<html><body>502 Bad Gateway</body></html>'))).toEqual({});
    expect(signalwireMessageOf(described(503, JSON.stringify({ code: 20503 })))).toEqual({});
    expect(signalwireMessageOf(described(500, ''))).toEqual({});
  });
});
