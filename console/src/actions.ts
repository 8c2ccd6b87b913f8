import { api, apiOf, type Call, kindOf, namedApi } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, h, visible } from './dom.ts';

/** Who the call is between, for confirmations. */
const between = (call: Call): string => `from ${visible(call.from)} to ${visible(call.to)}`;

/**
 * The API that owns the call, for a change's body when the listing said it (the call is then not looked up
 * again); nothing when it did not, and the API finds it.
 */
const owner = (call: Call): { api?: 'compatibility' | 'calling' } => {
  const named = namedApi(call);
  return named ? { api: named } : {};
};

/** Asks, then ends the call (`terminate`): "End call" in a dialog that names the call and its numbers. */
export const endCall = async (call: Call, after: () => void): Promise<void> => {
  const { confirmed } = await confirmAction({
    title: 'End this call?',
    lines: [
      `${kindOf(call)} call ${visible(call.sid)}, ${between(call)}, is ${visible(call.status)}.`,
      'Ending it hangs up every party. This cannot be undone.',
    ],
    action: 'End call',
  });
  if (!confirmed) return;
  try {
    const body = owner(call);
    const result = await api<Call>(
      'POST',
      `/calls/${encodeURIComponent(call.sid)}/terminate`,
      body.api ? body : undefined,
    );
    announce(`Call ${visible(call.sid)} is ${visible(result.status)}.`);
  } catch (error) {
    announce(`Call ${visible(call.sid)} was not ended: ${(error as Error).message}`);
  }
  after();
};

/** Asks for the URL, then points the call at new instructions (`Url`, `Method`). */
export const redirectCall = async (call: Call, after: () => void): Promise<void> => {
  const input = h('input', {
    id: 'redirect-url',
    type: 'url',
    required: true,
    placeholder: 'https://example.com/hold.xml',
  });
  const { confirmed, value } = await confirmAction({
    title: 'Redirect this call?',
    lines: [`Call ${visible(call.sid)}, ${between(call)}, will fetch new instructions from the URL.`],
    input,
    inputLabel: 'Instructions URL',
    action: 'Redirect call',
  });
  if (!confirmed) return;
  try {
    // A native call is redirected to SWML and has no method (the Calling API fetches it its own way).
    const change = apiOf(call) === 'calling' ? { url: value } : { url: value, method: 'POST' };
    await api<Call>('POST', `/calls/${encodeURIComponent(call.sid)}`, { ...change, ...owner(call) });
    announce(`Call ${visible(call.sid)} was redirected.`);
  } catch (error) {
    announce(`Call ${visible(call.sid)} was not redirected: ${(error as Error).message}`);
  }
  after();
};

/** Asks, then cancels a call that has not been answered (`Status=canceled`). */
export const cancelCall = async (call: Call, after: () => void): Promise<void> => {
  const { confirmed } = await confirmAction({
    title: 'Cancel this call?',
    lines: [
      `Call ${visible(call.sid)}, ${between(call)}, has not been answered; canceling stops it ringing.`,
    ],
    action: 'Cancel call',
  });
  if (!confirmed) return;
  try {
    await api<Call>('POST', `/calls/${encodeURIComponent(call.sid)}`, { status: 'canceled', ...owner(call) });
    announce(`Call ${visible(call.sid)} was canceled.`);
  } catch (error) {
    announce(`Call ${visible(call.sid)} was not canceled: ${(error as Error).message}`);
  }
  after();
};
