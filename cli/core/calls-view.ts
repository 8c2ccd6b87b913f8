import type { CallActionResult } from '#commons/calls/service';
import { parseSignalWireDate } from '#commons/signalwire/dates';
import type { CallView } from '#commons/signalwire/types';
import { apiOf, type CallApi, type ListedCall } from './backend.ts';
import { UsageError } from './errors.ts';
import { ECHO_LIMIT, echo, visible } from './safe-text.ts';
import { renderTable, type TableLayout, tableWidth } from './table.ts';
import type { Paint } from './terminal.ts';

const iso = (value: string | null): string => {
  if (!value) return '-';
  const ms = parseSignalWireDate(value);
  return ms === undefined
    ? value
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z');
};

/** `1h 02m`, `3m 05s`, `42s`. */
export const humanSeconds = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
};

/**
 * A status as the CLI prints it: `unknown` for a native call whose status SignalWire did not give (JSON output
 * keeps `null`).
 */
export const statusText = (status: CallView['status']): string => status ?? 'unknown';

/** A live call's duration is 0 until it ends: show how long it has been up instead, marked `+`. */
const durationOf = (call: CallView, nowMs: number): string => {
  if (call.status === 'in-progress' && call.start_time) {
    const started = parseSignalWireDate(call.start_time);
    if (started !== undefined) return `${humanSeconds((nowMs - started) / 1000)}+`;
  }
  return call.duration ? humanSeconds(call.duration) : '-';
};

/** How long a call has been in its state: since it was answered (in-progress), else since created. */
export const ageSecondsOf = (call: CallView, nowMs: number): number | undefined => {
  const basis = call.status === 'in-progress' ? call.start_time : call.date_created;
  const ms = basis ? parseSignalWireDate(basis) : undefined;
  return ms === undefined ? undefined : (nowMs - ms) / 1000;
};

const statusColour = (status: string, style: Paint): string =>
  status === 'in-progress'
    ? style.green(status)
    : status === 'ringing' || status === 'queued'
      ? style.yellow(status)
      : status;

/**
 * The KIND column's words: `native` for a call the native Calling API owns (`--api calling`), `compat` for a
 * Compatibility one (`--api compatibility`). Short, so the column survives a narrow terminal.
 */
export const KIND_OF_API: Readonly<Record<CallApi, string>> = { calling: 'native', compatibility: 'compat' };

export const CALL_COLUMNS = ['SID', 'FROM', 'TO', 'STATUS', 'DIRECTION', 'STARTED', 'DURATION', 'KIND'];
const STATUS_COLUMN = CALL_COLUMNS.indexOf('STATUS');

export const callRow = (call: ListedCall, nowMs: number): string[] => [
  call.sid,
  call.from,
  call.to,
  statusText(call.status),
  call.direction,
  iso(call.start_time ?? call.date_created),
  durationOf(call, nowMs),
  KIND_OF_API[apiOf(call)],
];

/**
 * Too narrow a terminal drops DIRECTION, then DURATION, FROM, STARTED, TO and KIND, in that order (README,
 * "Narrow terminals"); SID and STATUS stay.
 */
export const CALL_DROP_ORDER = [4, 6, 1, 5, 2, 7];

/**
 * SID and STATUS are shown whole: too narrow for both side by side, each call is stacked (its SID, then its
 * status under it). A cut status (`c…`: completed or canceled?) or a cut SID is worse than a longer listing.
 */
export const CALL_WHOLE = [0, 3];

/**
 * On a terminal, a cell is cut at 40 columns: a SID (36) fits whole, and a caller's 5,000-character "number"
 * does not push FROM or TO off every row.
 */
export const CALL_MAX_CELL = 40;

export const callsTable = (
  calls: ListedCall[],
  style: Paint,
  nowMs = Date.now(),
  stream: NodeJS.WriteStream = process.stdout,
  layout: TableLayout = {
    width: tableWidth(stream),
    dropOrder: CALL_DROP_ORDER,
    maxCell: CALL_MAX_CELL,
    whole: CALL_WHOLE,
  },
): string =>
  renderTable(
    CALL_COLUMNS,
    calls.map((call) => callRow(call, nowMs)),
    style,
    layout,
    // The STATUS cell alone: a caller named "queued" or a number ending in "ringing" is text, not a status.
    (column, text) => (column === STATUS_COLUMN ? statusColour(text, style) : text),
  );

export const callDetails = (call: ListedCall, nowMs = Date.now()): string => {
  const api = apiOf(call);
  const rows: Array<[string, string]> = [
    ['sid', call.sid],
    ['kind', `${KIND_OF_API[api]} (--api ${api})`],
    ['status', statusText(call.status)],
    ['direction', call.direction],
    ['from', call.from],
    ['to', call.to],
    ['created', iso(call.date_created)],
    ['started', iso(call.start_time)],
    ['ended', iso(call.end_time)],
    ['duration', durationOf(call, nowMs)],
    ['parent call', call.parent_call_sid ?? '-'],
    ['account', call.account_sid],
  ];
  return rows.map(([name, value]) => `${name.padEnd(12)} ${visible(String(value ?? '-'))}`).join('\n');
};

/** `ended (completed)`, `already ended (completed)`, `redirected (in-progress)`. */
export const outcomeText = (result: CallActionResult, done = 'updated'): string =>
  result.outcome === 'already-ended'
    ? `already ended (${statusText(result.call.status)})`
    : `${done} (${statusText(result.call.status)})`;

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60, s: 1 } as const;
/** 100 years: longer than any call, audit record or retention. */
const MAX_DURATION_SECONDS = 36_500 * 86_400;
const UNITS = Object.keys(UNIT_SECONDS) as Array<keyof typeof UNIT_SECONDS>;

/**
 * `90s`, `15m`, `2h`, `1d`, and their sums largest unit first (`1h30m`, `1d12h`, `2m30s`): the unit is required
 * (a bare `15` could mean minutes as well as seconds), and each unit comes once, so `1m1m` or `30m1h` (a typo
 * more likely than a sum) is refused.
 */
export const parseDuration = (value: string, flag: string): number => {
  const trimmed = value.trim();
  // A number without its unit is offered back with each unit: not one past a refusal's echo (a 100 KB `9…9`, which
  // four copies would bury), refused below as any word that is no duration.
  if (/^\d+$/.test(trimmed) && trimmed.length <= ECHO_LIMIT) {
    throw new UsageError(
      `${flag} needs a unit: ${trimmed}s, ${trimmed}m, ${trimmed}h or ${trimmed}d (got "${echo(trimmed)}")`,
    );
  }
  const refused = () =>
    new UsageError(`${flag} must be a duration such as 90s, 15m, 2h, 1d or 1h30m, got "${echo(value)}"`);
  if (!/^(?:\d+\s*[dhms]\s*)+$/.test(trimmed)) throw refused();
  let seconds = 0;
  let last = -1;
  for (const [, count, unit] of trimmed.matchAll(/(\d+)\s*([dhms])/g)) {
    const rank = UNITS.indexOf(unit as keyof typeof UNIT_SECONDS);
    if (rank <= last) throw refused();
    last = rank;
    seconds += Number(count) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  // A duration past any call's or record's life is a typo: read as given it reaches before 1970 (`--since`
  // then finds nothing) or to Infinity (`--older-than` matches nothing), without a word.
  if (seconds > MAX_DURATION_SECONDS)
    throw new UsageError(`${flag} must be at most 36500d (100 years), got "${echo(value)}"`);
  return seconds;
};
