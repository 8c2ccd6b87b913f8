import { api, type Call, kindOf, listLiveCalls, namedApi } from './api.ts';
import { confirmAction } from './confirm.ts';
import { announce, h, replace, table, visible } from './dom.ts';
import { filterForm, matches } from './pages-calls.ts';

type Outcome = 'ended' | 'already ended' | 'failed';

/**
 * The kill switch (admin): the preview of every live call matching the filters, a confirmation where the
 * admin types their number, then one end request per call with a progress bar, and the summary.
 */
export const endAllPage = (main: HTMLElement): (() => void) => {
  let preview: Call[] = [];
  const result = h('div');
  const { form, value } = filterForm(() => replace(result));
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
      preview = (await listLiveCalls()).filter((call) => matches(call, value(), now));
    } catch (error) {
      announce((error as Error).message);
      return;
    }
    const n = preview.length;
    replace(
      result,
      h('h2', {}, `${n} call${n === 1 ? '' : 's'} match`),
      n === 0
        ? h('p', {}, 'Nothing to end.')
        : table(
            'Calls that would be ended',
            ['Call SID', 'Status', 'Kind', 'From', 'To'],
            preview.map((c) => [
              h('span', { class: 'sid' }, visible(c.sid)),
              visible(c.status),
              kindOf(c),
              visible(c.from),
              visible(c.to),
            ]),
          ),
      n === 0
        ? null
        : h(
            'button',
            { type: 'button', class: 'danger', onclick: () => void confirmAndRun() },
            `End ${n} calls…`,
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
      title: `End ${calls.length} calls?`,
      lines: ['Every party on these calls is hung up. This cannot be undone.'],
      input,
      inputLabel: 'Type the number of calls to end',
      action: 'End all',
    });
    if (!confirmed) return;
    if (typed.trim() !== String(calls.length)) {
      announce(`Nothing was ended: you typed "${visible(typed)}", the preview has ${calls.length} calls.`);
      return;
    }
    const progress = h('progress', { max: calls.length, value: 0, 'aria-label': 'Calls processed' });
    const status = h('p', { 'aria-live': 'polite' }, `0 of ${calls.length}`);
    replace(result, h('h2', {}, 'Ending'), progress, status);
    const outcomes: Record<Outcome, number> = { ended: 0, 'already ended': 0, failed: 0 };
    let done = 0;
    const queue = [...calls];
    // A few at a time: fast, and well under SignalWire's account-wide request limit.
    const worker = async () => {
      for (let call = queue.shift(); call && !stopped; call = queue.shift()) {
        try {
          // The listing said which API owns the call: it is ended there without being looked up again.
          const response = await api<Call & { outcome?: string }>(
            'POST',
            `/end-all/${encodeURIComponent(call.sid)}`,
            namedApi(call) ? { api: namedApi(call) } : undefined,
          );
          outcomes[
            ['completed', 'canceled'].includes(response.status) && call.status !== response.status
              ? 'ended'
              : 'already ended'
          ]++;
        } catch {
          outcomes.failed++;
        }
        done++;
        progress.value = done;
        status.textContent = `${done} of ${calls.length}`;
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    replace(
      result,
      h('h2', {}, 'Summary'),
      h(
        'ul',
        { class: 'summary' },
        h('li', {}, `Ended: ${outcomes.ended}`),
        h('li', {}, `Already ended: ${outcomes['already ended']}`),
        h('li', {}, `Failed: ${outcomes.failed}`),
      ),
    );
  };
  return () => {
    stopped = true;
  };
};
