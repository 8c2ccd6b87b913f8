import { ApiError, apiOf, type Call, changeAnswer, kindOf, namedApi } from './api.ts';
import { type Change, described, noteOpen, type OpenAttempt, openAttempts, settle } from './attempts.ts';
import { confirmAction, currentVisit } from './confirm.ts';
import { announce, h, own, says } from './dom.ts';
import { holding, LOCK_ANSWER_MS, lockHeld } from './locks.ts';

/** The call's identity and numbers, each a labelled value of its own, for confirmations. */
const facts = (call: Call): Array<[string, string]> => [
  ['Call', call.sid],
  ['Kind', kindOf(call)],
  ['From', call.from ?? ''],
  ['To', call.to ?? ''],
  ['Status', call.status ?? 'unknown'],
];

/**
 * The API that owns the call, for a change's body when the listing said it (the call is then not looked up
 * again); nothing when it did not, and the API finds it.
 */
const owner = (call: Call): { api?: 'compatibility' | 'calling' } => {
  const named = namedApi(call);
  return named ? { api: named } : {};
};

interface Verb {
  change: Change;
  doing: string;
  /** The sentence of an applied change; only the call and its status, from outside, are isolated. */
  done: (sid: string, status: string) => DocumentFragment;
  not: string;
  unknown: string;
}

/**
 * What the operator is told of a refused attempt: "not applied", unless an earlier attempt's outcome is open (this
 * tab's or another's), which the refusal does not settle: then what is known, and that the call needs checking.
 */
const refusal = (sid: string, verb: Verb, failure: ApiError, earlier: OpenAttempt[]): DocumentFragment => {
  const same = earlier.filter((a) => a.change === verb.change);
  const other = earlier.filter((a) => a.change !== verb.change);
  const check = 'Check the call before trying again.';
  if (same.length > 0)
    return says`Call ${sid} may or may not ${own(verb.unknown)}: an earlier attempt (${own(same.map(described).join(', '))}) got no usable answer, and this one was refused: ${failure.message}. ${check}`;
  const also = other.length
    ? ` An earlier change (${other.map(described).join(', ')}) got no usable answer and may or may not have been applied. ${check}`
    : '';
  const sentence = says`Call ${sid} ${own(verb.not)}: ${failure.message}.`;
  sentence.append(also);
  return sentence;
};

/**
 * The one confirmation this tab is opening (its call's lock check pending) or showing now: the call, the change
 * asked, the page it was pressed on, and what was said meanwhile. One at a time, whatever the call: two stacked
 * confirmations would leave one behind the other, its Confirm read as the other's.
 */
interface Asking {
  sid: string;
  change: Change;
  checking: boolean;
  visit: number;
  said?: HTMLElement;
}
let asking: Asking | undefined;

/** How long a lock check may take before the press is answered "Checking…": a usual check never shows it. */
const CHECKING_SAID_AFTER_MS = 300;

/** Why nothing was sent when this browser's lock manager failed (a rejected check or lock): one sentence. */
const lockFailed = (sid: string, verb: Verb, error: unknown): DocumentFragment =>
  says`Call ${sid} ${own(verb.not)}: this browser could not check that no other change to it is on its way (${(error as Error)?.message ?? String(error)}); nothing was sent, so it can be tried again.`;

/** Why nothing was sent when this browser's lock check did not answer in time: one sentence, the console's own. */
const lockSilent = (sid: string, verb: Verb): DocumentFragment =>
  says`Call ${sid} ${own(verb.not)}: this browser did not answer within ${own(`${LOCK_ANSWER_MS / 1000} s`)} whether another change to it is on its way; nothing was sent, so it can be tried again.`;

/** The lock check's answer: held or not, its failure, or `silent` when it did not answer within {@link LOCK_ANSWER_MS}. */
const checkLock = (sid: string): Promise<{ held: boolean } | { failed: unknown } | 'silent'> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = new Promise<'silent'>((resolve) => {
    timer = setTimeout(() => resolve('silent'), LOCK_ANSWER_MS);
  });
  const answer = lockHeld(sid).then(
    (held) => ({ held }),
    (failed: unknown) => ({ failed }),
  );
  return Promise.race([answer, silence]).finally(() => clearTimeout(timer));
};

/**
 * Asks, then sends one change and tells the operator what happened: applied, already done, refused (not
 * applied), or no usable answer (it may or may not have been applied: check the call before trying again). An
 * attempt whose outcome is open is remembered until an answer settles it: a later refusal never reads as "not
 * applied" while it is open. The confirmation opens only on the page the operator pressed on.
 */
const act = async (
  call: Call,
  verb: Verb,
  ask: () => Promise<{ confirmed: boolean; value: string }>,
  send: (value: string) => Promise<{ body: Call; headers: Headers }>,
  after: () => void,
): Promise<void> => {
  const sid = call.sid;
  const busy = () =>
    says`A change to call ${sid} is already on its way (from this tab or another); wait for its answer.`;
  const checking = (first: Asking) =>
    says`Checking that no other change to call ${first.sid} is on its way, then asking to ${own(first.change)} it…`;
  // A second press while the first is checking the lock (a double click, or Redirect then End), before its modal
  // confirmation makes the page inert, opens nothing (two stacked confirmations, one of them left behind the other),
  // but it is answered: the operator sees the check is under way and which confirmation it will open. A press left
  // behind on a page the operator has left opens nothing: it stands in no one's way.
  const first = asking?.visit === currentVisit() ? asking : undefined;
  if (first && first.sid !== sid) {
    // Another call's confirmation comes first (End on one row, then on another, both checks pending): nothing is
    // asked for this one, and the operator is told which call the confirmation that opens names.
    announce(
      says`Nothing was asked for call ${sid}: the confirmation to ${own(first.change)} call ${first.sid} ${own(first.checking ? 'opens' : 'is open')} first; press again once it is answered.`,
    );
    return;
  }
  if (first) {
    // Once it shows, the confirmation itself is the answer (and the page behind it is inert).
    if (first.checking) first.said = announce(checking(first));
    return;
  }
  const pressed: Asking = { sid, change: verb.change, checking: true, visit: currentVisit() };
  asking = pressed;
  // A check slower than usual is answered at once: the press was taken, and is being checked.
  const slow = setTimeout(() => {
    if (pressed.checking && pressed.visit === currentVisit()) pressed.said = announce(checking(pressed));
  }, CHECKING_SAID_AFTER_MS);
  let answer: { confirmed: boolean; value: string };
  try {
    let check: Awaited<ReturnType<typeof checkLock>>;
    try {
      check = await checkLock(sid);
    } finally {
      clearTimeout(slow);
      pressed.checking = false;
      // The check answered: the confirmation, the busy sentence or the failure takes the place of "Checking…".
      if (pressed.said?.isConnected) announce(undefined);
    }
    // The operator left the page meanwhile (a link, back, a sign-out): nothing opens on the page they are on now.
    if (pressed.visit !== currentVisit()) return;
    // Never an unhandled rejection, nor a press left waiting: it is answered, and End stays to be pressed again.
    if (check === 'silent') {
      announce(lockSilent(sid, verb));
      return;
    }
    if ('failed' in check) {
      announce(lockFailed(sid, verb, check.failed));
      return;
    }
    if (check.held) {
      announce(busy());
      return;
    }
    answer = await ask();
  } finally {
    if (asking === pressed) asking = undefined;
  }
  const { confirmed, value } = answer;
  if (!confirmed) return;
  /** Sends the change and says its answer, whatever it is: never throws. */
  const sendAndSay = async (): Promise<void> => {
    announce(says`${own(verb.doing)} call ${sid}…`);
    try {
      const { body, headers } = await send(value);
      const status = body?.status ?? 'unknown';
      const already = headers.get('x-call-outcome') === 'already-ended';
      const wasOpen = openAttempts(sid).length > 0;
      settle(sid, already || verb.change !== 'redirect' ? 'ended' : 'redirected');
      announce(
        already
          ? wasOpen
            ? says`Call ${sid} has ended (${status}): this request changed nothing; an earlier attempt whose answer was lost may have ended it.`
            : says`Call ${sid} had already ended (${status}): nothing was changed.`
          : verb.done(sid, status),
      );
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(0, String(error), 'NETWORK');
      const earlier = openAttempts(sid);
      if (failure.outcomeUnknown) noteOpen(sid, verb.change);
      announce(
        failure.outcomeUnknown
          ? says`Call ${sid} may or may not ${own(verb.unknown)}: ${failure.message}. Check the call before trying again.`
          : refusal(sid, verb, failure, earlier),
      );
    }
  };
  const sending: { change?: Promise<void> } = {};
  let sent: boolean;
  try {
    // `holding` refuses (nothing sent) while another change to the call is on its way, from this tab or another.
    sent = await holding(sid, () => (sending.change = sendAndSay()));
  } catch (error) {
    // The lock was refused before anything was sent. One taken away from a change already on its way (another tab's
    // `steal`) leaves that change to say its answer, and the page to be drawn again after it, as when it was held.
    if (!sending.change) {
      announce(lockFailed(sid, verb, error));
      return;
    }
    await sending.change;
    sent = true;
  }
  if (!sent) {
    announce(busy());
    return;
  }
  after();
};

/** Asks, then ends the call (`terminate`): "End call" in a dialog that names the call and its numbers. */
export const endCall = (call: Call, after: () => void): Promise<void> =>
  act(
    call,
    {
      change: 'end',
      doing: 'Ending',
      done: (sid, status) => says`Call ${sid} is ${status}.`,
      not: 'was not ended',
      unknown: 'have been ended',
    },
    () =>
      confirmAction({
        title: 'End this call?',
        facts: facts(call),
        lines: ['Ending it hangs up every party. This cannot be undone.'],
        action: 'End call',
      }),
    () => {
      const body = owner(call);
      return changeAnswer(
        `/calls/${encodeURIComponent(call.sid)}/terminate`,
        call.sid,
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
      change: 'redirect',
      doing: 'Redirecting',
      done: (sid) => says`Call ${sid} was redirected.`,
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
      return changeAnswer(`/calls/${encodeURIComponent(call.sid)}`, call.sid, { ...change, ...owner(call) });
    },
    after,
  );

/** Asks, then cancels a call that has not been answered (`Status=canceled`). */
export const cancelCall = (call: Call, after: () => void): Promise<void> =>
  act(
    call,
    {
      change: 'cancel',
      doing: 'Canceling',
      done: (sid) => says`Call ${sid} was canceled.`,
      not: 'was not canceled',
      unknown: 'have been canceled',
    },
    () =>
      confirmAction({
        title: 'Cancel this call?',
        facts: facts(call),
        lines: ['It has not been answered; canceling stops it ringing.'],
        action: 'Cancel call',
        dismiss: 'Keep it ringing',
      }),
    () =>
      changeAnswer(`/calls/${encodeURIComponent(call.sid)}`, call.sid, {
        status: 'canceled',
        ...owner(call),
      }),
    after,
  );
