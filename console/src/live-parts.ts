import { type Call, kindOf, MAX_PAGES, searchAudit } from './api.ts';
import { barChart } from './charts.ts';
import { h, outside, tableRow, visible } from './dom.ts';

/** The live-calls page's parts that hold no state: the count, a row, the ended-today chart, the poller. */

const plural = (n: number): string => `${n} live call${n === 1 ? '' : 's'}`;

/** "3 live calls (of 5)"; past what one refresh reads, the count is a floor and says so. */
export const countLine = (shown: number, total: number, complete: boolean): string => {
  const all = complete ? plural(total) : `at least ${plural(total)}`;
  return (
    (shown === total ? all : `${plural(shown)} (of ${all})`) +
    (complete ? '' : `; only the newest ${MAX_PAGES * 1000} of each status are read`)
  );
};

export const CALL_COLUMNS = [
  'Call SID',
  'Status',
  'Kind',
  'From',
  'To',
  'Caller name',
  'Direction',
  'Duration',
];

/** A phone number as E.164 writes it: short enough for any column, and never to be read broken in two. */
const PHONE_NUMBER = /^\+?[0-9]{1,16}$/;

/**
 * A number, address or name from outside. Anything but a phone number goes in a box of its own that breaks it
 * anywhere once it is wider than its column can be: a SIP address or URL thousands of characters long, or a name of
 * long words, never widens the table past the screen (the End button stays in view, and nothing slides under it).
 * Nothing when absent.
 */
const value = (text: string | null | undefined) => {
  const shown = visible(text);
  return !shown || PHONE_NUMBER.test(shown) ? shown : h('bdi', { class: 'value' }, shown);
};

/**
 * One call's row, every outside value as text; its ticking duration cell (empty until the table ticks it); and, when
 * `onEnd` is given (the role may end calls), the End button. Links and buttons carry a focus key, so a redraw gives
 * the keyboard its place back.
 */
export const callRow = (call: Call, head: string[], onEnd: (() => void) | undefined) => {
  const ticking = h('span', { class: 'duration' });
  const tr = tableRow(head, [
    h(
      'a',
      { href: `#/calls/${call.sid}`, class: 'sid', 'data-focus-key': `open ${call.sid}` },
      outside(call.sid),
    ),
    h('span', { class: `status status-${call.status ?? 'unknown'}` }, outside(call.status ?? 'unknown')),
    kindOf(call),
    value(call.from),
    value(call.to),
    value(call.caller_name),
    outside(call.direction),
    ticking,
    // A viewer's table has no action column at all, rather than an empty one a screen reader names nothing.
    ...(onEnd
      ? [
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              'aria-label': `End ${visible(call.sid)}`,
              'data-focus-key': `end ${call.sid}`,
              onclick: onEnd,
            },
            'End',
          ),
        ]
      : []),
  ]);
  return { tr, ticking };
};

/** Calls ended today (local midnight on) per trigger, from the audit records, as a bar chart. */
export const endedTodayChart = async (): Promise<HTMLElement> => {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const { records, more } = await searchAudit({ since: midnight.toISOString(), limit: '1000' });
  const ended = new Map<string, number>([
    ['http', 0],
    ['schedule', 0],
    ['event', 0],
    ['cli', 0],
  ]);
  for (const { audit } of records) {
    const ends = audit.outcome === 'updated' && ['completed', 'canceled'].includes(audit.change.Status ?? '');
    if (ends) ended.set(audit.trigger, (ended.get(audit.trigger) ?? 0) + 1);
  }
  return barChart(
    // Counted from one page of today's audit records: past it, the bars are floors.
    more
      ? 'Calls ended today, by trigger (at least: counted from the newest 1000 audit records)'
      : 'Calls ended today, by trigger',
    [...ended].map(([trigger, n]) => [trigger === 'http' ? 'API / console' : trigger, n]),
  );
};

/**
 * Runs `load` now and every `ms` after it ends, one run at a time: a run asked for meanwhile (after an action)
 * follows the current one, so it sees the action; once stopped, nothing more runs or is scheduled, whatever was
 * in flight.
 */
export const poller = (load: () => Promise<void>, ms: number) => {
  let timer: number | undefined;
  let live = true;
  let again = false;
  let running: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    if (!live) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load();
      } while (again && live);
    })();
    await running;
    running = undefined;
    window.clearTimeout(timer);
    if (live) timer = window.setTimeout(() => void refresh(), ms);
  };
  return {
    refresh,
    isLive: () => live,
    stop: () => {
      live = false;
      window.clearTimeout(timer);
    },
  };
};
