import { type Call, startedAt } from './api.ts';
import { duration, h, redrawKeepingFocus, replace, table } from './dom.ts';
import { CALL_COLUMNS, callRow } from './live-parts.ts';

/**
 * Everything a row shows or acts on, but its ticking duration: a row whose call still says the same is kept node
 * for node at a refresh (so its focus, a text selection in it and its layout stay), and only a changed one is
 * drawn again.
 */
const rowKey = (call: Call): string =>
  JSON.stringify([
    call.status,
    call.api,
    call.api_version,
    call.from,
    call.to,
    call.caller_name,
    call.direction,
    call.start_time,
    call.date_created,
  ]);

interface Row {
  key: string;
  tr: HTMLTableRowElement;
  ticking: HTMLElement;
  started: number;
  /** The duration the cell shows: it is written only when it changes. */
  shown: string;
}

/**
 * The live calls' table, kept across refreshes: `draw` reuses the row of every call whose data did not change,
 * draws the rest, moves none that kept its place, and removes the rows of calls no longer shown; `tick` moves the
 * durations on.
 */
export const liveTable = (list: HTMLElement, onEnd: ((call: Call) => void) | undefined) => {
  const head = [...CALL_COLUMNS, ...(onEnd ? ['Action'] : [])];
  let rows = new Map<string, Row>();
  let body: HTMLTableSectionElement | undefined;
  // The table's scroll region: on a wide screen it is at most the screen's height and scrolls itself.
  let region: HTMLElement | undefined;
  // Only the durations on screen tick: writing thousands of cells each second makes the browser lay out the whole
  // table again every second (the page janks). Where each row ends is measured once per draw (or resize), so finding
  // the rows on screen is a halving over numbers, not a look at thousands of elements each second. On screen means
  // inside both the window and the region's visible part (the rows scrolled out of the region are hidden).
  let order: Row[] = [];
  let ends: number[] | undefined;
  const onScreen = (): Row[] => {
    const first = order[0];
    if (!first || !region) return [];
    ends ??= order.map(({ tr }) => tr.offsetTop + tr.offsetHeight);
    const origin = first.tr.getBoundingClientRect().top - first.tr.offsetTop;
    const firstEndingAfter = (y: number): number => {
      let low = 0;
      let high = order.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((ends?.[middle] ?? 0) + origin <= y) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const box = region.getBoundingClientRect();
    const top = Math.max(0, box.top + region.clientTop);
    const bottom = Math.min(window.innerHeight, box.top + region.clientTop + region.clientHeight);
    return order.slice(firstEndingAfter(top), firstEndingAfter(bottom) + 1);
  };
  const remeasure = () => {
    ends = undefined;
  };
  window.addEventListener('resize', remeasure);
  let scrolled = 0;
  // A row scrolled into view (the window's scroll or the region's own) shows its duration at once, not at the next
  // second.
  const onScroll = () => {
    scrolled ||= requestAnimationFrame(() => {
      scrolled = 0;
      const now = Date.now();
      for (const row of onScreen()) tick(row, now);
    });
  };
  window.addEventListener('scroll', onScroll, { passive: true });

  const tick = (row: Row, now: number) => {
    const text = duration((now - row.started) / 1000);
    if (row.shown === text) return;
    // The fixed-size box holds "99h 59m 59s", the long one "9999h 59m 59s"; a longer duration's is as wide as its text.
    if (text.length !== row.shown.length)
      row.ticking.className = `duration${text.length > 13 ? ' longer' : text.length > 11 ? ' long' : ''}`;
    row.ticking.textContent = text;
    row.shown = text;
  };

  const build = (call: Call, key: string, now: number): Row => {
    const { tr, ticking } = callRow(call, head, onEnd ? () => onEnd(call) : undefined);
    const row = { key, tr, ticking, started: startedAt(call), shown: '' };
    tick(row, now);
    return row;
  };

  const forget = (gone: Iterable<Row>) => {
    for (const row of gone) {
      row.tr.remove();
    }
  };

  const draw = (shown: Call[], emptyText: string, now: number): void => {
    redrawKeepingFocus(list, () => {
      if (shown.length === 0) {
        forget(rows.values());
        rows = new Map();
        order = [];
        body = undefined;
        region = undefined;
        replace(list, h('p', {}, emptyText));
        return;
      }
      if (!body || !region) {
        region = table('Live calls', 'Newest first, one call a row', head, [], onEnd !== undefined);
        region.addEventListener('scroll', onScroll, { passive: true });
        body = region.querySelector('tbody') as HTMLTableSectionElement;
        replace(list, region);
      }
      const next = new Map<string, Row>();
      for (const call of shown) {
        if (next.has(call.sid)) continue;
        const key = rowKey(call);
        const old = rows.get(call.sid);
        const row = old?.key === key ? old : build(call, key, now);
        next.set(call.sid, row);
      }
      const gone = [...rows].filter(([sid, row]) => next.get(sid) !== row).map(([, row]) => row);
      forget(gone);
      // The kept rows are in order already (newest first, a call's start never moves): only new rows go in.
      let cursor = body.firstChild;
      for (const { tr } of next.values()) {
        if (tr === cursor) cursor = cursor.nextSibling;
        else body.insertBefore(tr, cursor);
      }
      rows = next;
      order = [...next.values()];
      remeasure();
    });
    const seen = onScreen();
    for (const row of seen) tick(row, now);
  };

  return {
    draw,
    tick: (now: number) => {
      for (const row of onScreen()) tick(row, now);
    },
    stop: () => {
      window.removeEventListener('resize', remeasure);
      window.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(scrolled);
    },
  };
};
