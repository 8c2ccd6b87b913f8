import { ApiError, type Call, changeAnswer, kindOf, listLiveCalls, namedApi } from './api.ts';
import { described, noteOpen, openAttempts, settle } from './attempts.ts';
import { confirmAction } from './confirm.ts';
import { announce, h, outside, replace, says, table } from './dom.ts';
import { holding } from './locks.ts';
import { filterForm, matches } from './pages-calls.ts';
import { asciiDigits } from './text.ts';

type Outcome = 'ended' | 'already ended' | 'failed' | 'unknown' | 'busy';

/** Why a call was not sent: its lock was held by another change, from another tab of this browser or this one. */
const BUSY =
  'not sent: another change to this call (an End, a redirect or a cancel, from this tab or another of this browser) was on its way; check the call';

/** Why a call was not sent when this browser refused its lock (the Web Locks API denied). */
const lockRefused = (error: unknown): string =>
  `not sent: this browser could not check that no other change to this call was on its way (${(error as Error)?.message ?? String(error)})`;

/**
 * Sends one end-all request per call, three at a time (fast, and well under SignalWire's account-wide request
 * limit), until done or `stopped`; each holding the call's lock, as a single End does, so a change to the same call
 * on its way from another tab is never sent twice (that call is left out, and said so). Counts each outcome as the
 * API says it (`x-call-outcome`), and keeps each failure with its reason.
 */
const endEach = async (calls: Call[], stopped: () => boolean, progressed: (done: number) => void) => {
  const outcomes: Record<Outcome, number> = {
    ended: 0,
    'already ended': 0,
    failed: 0,
    unknown: 0,
    busy: 0,
  };
  const problems: Array<[Call, ApiError]> = [];
  let done = 0;
  const queue = [...calls];
  const endOne = async (call: Call) => {
    try {
      // The listing said which API owns the call: it is ended there without being looked up again.
      const { headers } = await changeAnswer(
        `/end-all/${encodeURIComponent(call.sid)}`,
        call.sid,
        namedApi(call) ? { api: namedApi(call) } : undefined,
      );
      // The API says whether this request ended the call or found it ended already.
      outcomes[headers.get('x-call-outcome') === 'already-ended' ? 'already ended' : 'ended']++;
      settle(call.sid, 'ended');
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(0, String(error), 'NETWORK');
      // A refusal is no proof the call was not ended while an earlier attempt's outcome is still open.
      const earlier = openAttempts(call.sid);
      const open = failure.outcomeUnknown || earlier.length > 0;
      if (failure.outcomeUnknown) noteOpen(call.sid, 'end');
      outcomes[open ? 'unknown' : 'failed']++;
      problems.push([
        call,
        open && !failure.outcomeUnknown
          ? new ApiError(
              failure.status,
              `${failure.message}; an earlier attempt (${earlier.map(described).join(', ')}) got no usable answer, so it may or may not have ended`,
              failure.code,
            )
          : failure,
      ]);
    }
  };
  const worker = async () => {
    for (let call = queue.shift(); call && !stopped(); call = queue.shift()) {
      const current = call;
      const sending: { end?: Promise<void> } = {};
      try {
        if (!(await holding(current.sid, () => (sending.end = endOne(current))))) {
          outcomes.busy++;
          problems.push([current, new ApiError(0, BUSY, 'BUSY')]);
        }
      } catch (error) {
        // endOne never throws: the browser refused the call's lock, or took it away from an end already on its way
        // (another tab's `steal`), which its own answer counts. Refused, nothing was sent, and the run goes on to its
        // summary instead of stopping half way with an unhandled rejection and no summary.
        if (sending.end) await sending.end;
        else {
          outcomes.failed++;
          problems.push([current, new ApiError(0, lockRefused(error), 'LOCK_REFUSED')]);
        }
      }
      progressed(++done);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return { outcomes, problems, done };
};

const summaryLines = (outcomes: Record<Outcome, number>, notSent: number): string[] => [
  `Ended: ${outcomes.ended}`,
  `Already ended: ${outcomes['already ended']}`,
  `Failed: ${outcomes.failed}`,
  ...(outcomes.unknown > 0 ? [`No usable answer (may or may not have ended): ${outcomes.unknown}`] : []),
  ...(outcomes.busy > 0
    ? [`Not sent (another change to the call was on its way from this browser): ${outcomes.busy}`]
    : []),
  ...(notSent > 0 ? [`Not sent (the page was left): ${notSent}`] : []),
];

/** The calls not ended (or not known to be), each with what the API or the network said. */
const problemsTable = (problems: Array<[Call, ApiError]>): HTMLElement =>
  table(
    'Calls not ended, or not known to be',
    'Each with what the API or the network said',
    ['Call SID', 'From', 'To', 'What happened'],
    problems.map(([call, failure]) => [
      h('span', { class: 'sid' }, outside(call.sid)),
      outside(call.from),
      outside(call.to),
      outside(failure.message),
    ]),
  );

/**
 * The kill switch (admin): the preview of every live call matching the filters, a confirmation where the
 * admin types their number, then one end request per call with a progress bar, and the summary.
 */
export const endAllPage = (main: HTMLElement): (() => void) => {
  let preview: Call[] = [];
  let previewComplete = true;
  let running = false;
  const result = h('div');
  // A filter edit clears the preview it no longer matches, but not a run's progress: the run goes on, and its summary
  // is written there when it ends.
  const { form, value } = filterForm(() => {
    if (!running) replace(result);
  });
  const previewButton = h('button', { type: 'button', onclick: () => void showPreview() }, 'Preview');
  replace(
    main,
    h('h1', {}, 'End all matching calls'),
    h('p', {}, 'Preview the calls first; ending them needs their number typed in.'),
    form,
    previewButton,
    result,
  );
  let stopped = false;

  const showPreview = async () => {
    try {
      const now = Date.now();
      const listed = await listLiveCalls();
      preview = listed.calls.filter((call) => matches(call, value(), now));
      previewComplete = listed.complete;
    } catch (error) {
      announce(says`Could not preview the calls: ${(error as Error).message}. Nothing was ended.`);
      return;
    }
    const n = preview.length;
    replace(
      result,
      h('h2', {}, `${n} call${n === 1 ? '' : 's'} match`),
      previewComplete
        ? null
        : h(
            'p',
            {},
            'More live calls exist than one preview reads: only the calls listed here would be ended.',
          ),
      n === 0
        ? h('p', {}, 'Nothing to end.')
        : table(
            'Calls that would be ended',
            'Every live call matching the filters',
            ['Call SID', 'Status', 'Kind', 'From', 'To'],
            preview.map((c) => [
              h('span', { class: 'sid' }, outside(c.sid)),
              outside(c.status),
              kindOf(c),
              outside(c.from),
              outside(c.to),
            ]),
          ),
      n === 0
        ? null
        : h(
            'button',
            { type: 'button', class: 'danger', onclick: () => void confirmAndRun() },
            `End ${n} call${n === 1 ? '' : 's'}…`,
          ),
    );
  };

  const confirmAndRun = async () => {
    const calls = preview;
    const input = h('input', {
      id: 'typed-count',
      inputmode: 'numeric',
      autocomplete: 'off',
      required: true,
    });
    const { confirmed, value: typed } = await confirmAction({
      title: `End ${calls.length} call${calls.length === 1 ? '' : 's'}?`,
      lines: ['Every party on these calls is hung up. This cannot be undone.'],
      input,
      inputLabel: 'Type the number of calls to end',
      action: 'End all',
    });
    if (!confirmed || running || stopped) return;
    // Digits of the operator's script and a thousands separator count as typed: the count is what is checked.
    if (asciiDigits(typed) !== String(calls.length)) {
      announce(says`Nothing was ended: you typed "${typed}", the preview has ${calls.length} calls.`);
      return;
    }
    const progress = h('progress', { max: calls.length, value: 0, 'aria-label': 'Calls processed' });
    const counter = h('p', {}, `0 of ${calls.length}`);
    // The summary's place, empty until the run ends: a live region there already says the summary once, while the
    // counter, which moves with each call, stays out of it (a live region re-reads every rewrite).
    const said = h('div', { role: 'status' });
    const run = h('div', {}, h('h2', { tabindex: -1 }, 'Ending'), progress, counter);
    replace(result, said, run);
    // The confirmation gives the focus back to its opener, which the run just removed: the focus follows the run.
    run.querySelector('h2')?.focus();
    running = true;
    previewButton.disabled = true;
    const { outcomes, problems, done } = await endEach(
      calls,
      () => stopped,
      (n) => {
        progress.value = n;
        counter.textContent = `${n} of ${calls.length}`;
      },
    );
    running = false;
    previewButton.disabled = false;
    const summary = summaryLines(outcomes, calls.length - done);
    if (stopped) {
      // The page is gone: the operator still learns what was and was not done.
      announce(`End all stopped (the page was left or the session ended). ${summary.join('; ')}.`);
      return;
    }
    // The focus moves on only from the run (or from nowhere): an operator typing elsewhere keeps their place, and
    // hears the summary from its status region.
    const focused = document.activeElement;
    const follow = !focused || focused === document.body || run.contains(focused);
    const heading = h('h2', { tabindex: -1 }, 'Summary');
    replace(said, heading, h('ul', { class: 'summary' }, ...summary.map((line) => h('li', {}, line))));
    replace(run, problems.length === 0 ? null : problemsTable(problems));
    if (follow) heading.focus();
  };
  return () => {
    stopped = true;
    if (running) announce('End all is stopping: the calls not yet sent will not be ended.');
  };
};
