import { ApiError, apiAnswer, apiOf, type Call, kindOf, namedApi } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, h, visible } from './dom.ts';

/** The call's identity and numbers, each a labelled value of its own, for confirmations. */
const facts = (call: Call): Array<[string, string]> => [
  ['Call', call.sid],
  ['Kind', kindOf(call)],
  ['From', call.from],
  ['To', call.to],
  ['Status', call.status],
];

/**
 * The API that owns the call, for a change's body when the listing said it (the call is then not looked up
 * again); nothing when it did not, and the API finds it.
 */
const owner = (call: Call): { api?: 'compatibility' | 'calling' } => {
  const named = namedApi(call);
  return named ? { api: named } : {};
};

/** Calls with a change on its way: a second click (this tab) waits for the first answer instead of sending again. */
const sending = new Set<string>();

/**
 * Asks, then sends one change and tells the operator what happened: applied, already done, refused (not
 * applied), or no usable answer (it may or may not have been applied: check the call before trying again).
 */
const act = async (
  call: Call,
  verb: { doing: string; done: (status: string) => string; not: string; unknown: string },
  ask: () => Promise<{ confirmed: boolean; value: string }>,
  send: (value: string) => Promise<{ body: Call; headers: Headers }>,
  after: () => void,
): Promise<void> => {
  const sid = visible(call.sid);
  if (sending.has(call.sid)) {
    announce(`A change to call ${sid} is already on its way; wait for its answer.`);
    return;
  }
  const { confirmed, value } = await ask();
  if (!confirmed || sending.has(call.sid)) return;
  sending.add(call.sid);
  announce(`${verb.doing} call ${sid}…`);
  try {
    const { body, headers } = await send(value);
    const status = visible(body?.status ?? 'unknown');
    announce(
      headers.get('x-call-outcome') === 'already-ended'
        ? `Call ${sid} had already ended (${status}): nothing was changed.`
        : `Call ${sid} ${verb.done(status)}.`,
    );
  } catch (error) {
    const failure = error instanceof ApiError ? error : new ApiError(0, String(error), 'NETWORK');
    announce(
      failure.outcomeUnknown
        ? `Call ${sid} may or may not ${verb.unknown}: ${failure.message}. Check the call before trying again.`
        : `Call ${sid} ${verb.not}: ${failure.message}.`,
    );
  } finally {
    sending.delete(call.sid);
  }
  after();
};

/** Asks, then ends the call (`terminate`): "End call" in a dialog that names the call and its numbers. */
export const endCall = (call: Call, after: () => void): Promise<void> =>
  act(
    call,
    { doing: 'Ending', done: (status) => `is ${status}`, not: 'was not ended', unknown: 'have been ended' },
    () =>
      confirmAction({
        title: 'End this call?',
        facts: facts(call),
        lines: ['Ending it hangs up every party. This cannot be undone.'],
        action: 'End call',
      }),
    () => {
      const body = owner(call);
      return apiAnswer<Call>(
        'POST',
        `/calls/${encodeURIComponent(call.sid)}/terminate`,
        body.api ? body : undefined,
      );
    },
    after,
  );

/** Asks for the URL, then points the call at new instructions (`Url`, `Method`). */
export const redirectCall = (call: Call, after: () => void): Promise<void> =>
  act(
    call,
    {
      doing: 'Redirecting',
      done: () => 'was redirected',
      not: 'was not redirected',
      unknown: 'have been redirected',
    },
    () =>
      confirmAction({
        title: 'Redirect this call?',
        facts: facts(call),
        lines: ['The call will fetch new instructions from the URL.'],
        input: h('input', {
          id: 'redirect-url',
          type: 'url',
          required: true,
          placeholder: 'https://example.com/hold.xml',
        }),
        inputLabel: 'Instructions URL',
        action: 'Redirect call',
      }),
    (url) => {
      // A native call is redirected to SWML and has no method (the Calling API fetches it its own way).
      const change = apiOf(call) === 'calling' ? { url } : { url, method: 'POST' };
      return apiAnswer<Call>('POST', `/calls/${encodeURIComponent(call.sid)}`, { ...change, ...owner(call) });
    },
    after,
  );

/** Asks, then cancels a call that has not been answered (`Status=canceled`). */
export const cancelCall = (call: Call, after: () => void): Promise<void> =>
  act(
    call,
    {
      doing: 'Canceling',
      done: () => 'was canceled',
      not: 'was not canceled',
      unknown: 'have been canceled',
    },
    () =>
      confirmAction({
        title: 'Cancel this call?',
        facts: facts(call),
        lines: ['It has not been answered; canceling stops it ringing.'],
        action: 'Cancel call',
      }),
    () =>
      apiAnswer<Call>('POST', `/calls/${encodeURIComponent(call.sid)}`, {
        status: 'canceled',
        ...owner(call),
      }),
    after,
  );
