import { endCall } from './actions.ts';
import { apiOf, CALL_KINDS, type Call, LIVE_STATUSES, listLiveCalls, startedAt } from './api.ts';
import { currentSession } from './auth.ts';
import { timeline } from './charts.ts';
import { field, h, replace, says, select } from './dom.ts';
import { countLine, endedTodayChart, poller } from './live-parts.ts';
import { liveTable } from './live-rows.ts';

const REFRESH_MS = 5_000;
/**
 * How long the filter must rest before its count is read aloud: longer than the pause between two keystrokes, so
 * typing a number is heard once, when it is typed, not once per digit (each would cut the one before it short).
 */
export const SETTLE_MS = 700;
const AGES: Array<[string, string]> = [
  ['', 'Any age'],
  ['60', 'Over 1 minute'],
  ['600', 'Over 10 minutes'],
  ['3600', 'Over 1 hour'],
];

/** Samples of the live counts, kept while the console is open (the last hour), for the timeline. */
const samples: Array<{ at: number; counts: Record<string, number> }> = [];

export interface CallFilter {
  to: string;
  from: string;
  status: string;
  minAge: string;
  /** `compatibility`, `calling` (native), or empty for both kinds. */
  kind: string;
}

/**
 * Whether a call passes the filters (numbers match as substrings; a call without the number matches no number typed;
 * age in seconds since it started).
 */
export const matches = (call: Call, filter: CallFilter, now: number): boolean =>
  (!filter.to || (call.to ?? '').includes(filter.to)) &&
  (!filter.from || (call.from ?? '').includes(filter.from)) &&
  (!filter.status || call.status === filter.status) &&
  (!filter.kind || apiOf(call) === filter.kind) &&
  (!filter.minAge || (now - startedAt(call)) / 1000 >= Number(filter.minAge));

/** The filter inputs; `onChange` runs on every edit. */
export const filterForm = (onChange: () => void) => {
  const to = h('input', { name: 'to', type: 'search', inputmode: 'tel' });
  const from = h('input', { name: 'from', type: 'search', inputmode: 'tel' });
  const status = select('status', [
    ['', 'Any live status'],
    ...LIVE_STATUSES.map((s): [string, string] => [s, s]),
  ]);
  const minAge = select('minAge', AGES);
  const kind = select('kind', [
    ['', 'All kinds'],
    ...CALL_KINDS.map(([api, name]): [string, string] => [api, name]),
  ]);
  for (const input of [to, from, status, minAge, kind]) input.addEventListener('input', onChange);
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter calls',
      onsubmit: (e: Event) => e.preventDefault(),
    },
    field('To', to),
    field('From', from),
    field('Status', status),
    field('Age', minAge),
    field('Kind', kind),
  );
  const value = (): CallFilter => ({
    to: to.value,
    from: from.value,
    status: status.value,
    minAge: minAge.value,
    kind: kind.value,
  });
  return { form, value };
};

/** The live calls page: every live call, newest first, refreshed every 5 s, durations ticking. */
export const callsPage = (main: HTMLElement): (() => void) => {
  const canEnd = currentSession()?.scopes.has('call-control/write') ?? false;
  let calls: Call[] = [];
  let complete = true;
  // The count changes with nearly every refresh of a busy account: read aloud each time, it would talk every 5 s.
  // A screen reader hears it when the operator's own filter changes it (`heard`), and reads it on the page otherwise.
  const count = h('p', { class: 'count' }, 'Loading live calls…');
  const heard = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  // The refresh's own trouble, next to the list it makes stale; the alert stays for the operator's actions.
  const stale = h('p', { class: 'stale', role: 'status' });
  const list = h('div');
  const charts = h('div', { class: 'charts' });
  const { form, value } = filterForm(() => render(true));
  let speaking: number | undefined;
  replace(main, h('h1', {}, 'Live calls'), count, heard, stale, charts, form, list);

  const rows = liveTable(
    list,
    canEnd ? (call) => void endCall(call, () => void polling.refresh()) : undefined,
  );
  const render = (filtered = false) => {
    performance.mark('live-calls-render-start');
    const now = Date.now();
    const filter = value();
    const shown = calls.filter((call) => matches(call, filter, now));
    const counted = countLine(shown.length, calls.length, complete);
    if (count.textContent !== counted) replace(count, counted);
    if (filtered) {
      // Said once the typing settles: the count shown then (a refresh meanwhile may have changed it).
      window.clearTimeout(speaking);
      speaking = window.setTimeout(() => {
        if (heard.textContent !== count.textContent) replace(heard, count.textContent);
      }, SETTLE_MS);
    } else if (heard.textContent !== '' && heard.textContent !== counted) {
      // A refresh changed the count the filter gave: its spoken copy goes (unspoken), so a screen reader reading the
      // page line by line finds no stale count, and the next filter change is heard even if it gives that count back.
      replace(heard);
    }
    rows.draw(
      shown,
      calls.length === 0 ? 'No live calls right now.' : 'No live call matches the filters.',
      now,
    );
    // What one draw cost (the latest only, so entries never pile up while the page stays open for hours).
    performance.clearMeasures('live-calls-render');
    performance.measure('live-calls-render', 'live-calls-render-start');
    performance.clearMarks('live-calls-render-start');
  };

  let loaded = false;
  const load = async () => {
    try {
      const answer = await listLiveCalls();
      if (!polling.isLive()) return;
      ({ calls, complete } = answer);
      const counts = Object.fromEntries(
        LIVE_STATUSES.map((s) => [s, calls.filter((c) => c.status === s).length]),
      );
      samples.push({ at: Date.now(), counts });
      while (samples.length > 0 && (samples[0]?.at ?? 0) < Date.now() - 3_600_000) samples.shift();
      render();
      loaded = true;
      // For `npm run bench`: when the first list is on screen, counted from the navigation's start.
      if (performance.getEntriesByName('live-calls-painted').length === 0)
        performance.mark('live-calls-painted');
      replace(stale);
      let ended: HTMLElement;
      try {
        ended = await endedTodayChart();
      } catch (error) {
        // The live list above is this answer's: only the count of today's ended calls (an audit search) is missing.
        ended = h(
          'p',
          { class: 'stale' },
          says`Could not count today's ended calls: ${(error as Error).message}. Trying again every 5 s.`,
        );
      }
      if (!polling.isLive()) return;
      replace(
        charts,
        timeline(
          'Live calls by status (since this page opened, the last hour at most)',
          samples,
          LIVE_STATUSES,
        ),
        ended,
      );
    } catch (error) {
      if (!polling.isLive()) return;
      // Before any answer there is no list to call the last one: the page says it has none yet.
      const message = loaded
        ? says`Could not refresh the live calls: ${(error as Error).message}. The list shows the last answer; trying again every 5 s.`
        : says`Could not load the live calls: ${(error as Error).message}. Trying again every 5 s.`;
      if (stale.textContent !== message.textContent) replace(stale, message);
    }
  };

  // An action's answer can come after the page was left (or the session ended): nothing is refreshed then.
  const polling = poller(load, REFRESH_MS);
  const ticker = window.setInterval(() => rows.tick(Date.now()), 1_000);
  void polling.refresh();
  return () => {
    polling.stop();
    rows.stop();
    window.clearInterval(ticker);
    window.clearTimeout(speaking);
  };
};
