/**
 * The audit-record target (issue 22: one audit line per ended call, at most 0.015 ms of client CPU) and what
 * bounds it: the runs that wrote only audit records as the cleanup writes them, their CPU split into user and
 * system time, and a floor measured beside them, the same number of bare `process.stdout.write` calls of a line
 * of the same length to the same discarded stdout (bench/cleanup-driver.ts `writeLines`), in the same rounds, and
 * the record's required work: the same line made by hand, written the same way (`requiredLines`: the line with no
 * work per line the contract does not require, its outcomes' and statuses' JSON once per value, its timestamp's
 * text once a second, as the record keeps them; serialising those and formatting that timestamp per line, as the
 * floor first did, cost it 36.5 k, a floor that bounded what it did not).
 *
 * Counted (2026-12-07; `npx tsx bench/cleanup-instructions.ts audit audit-required --calls 2000,6000`,
 * user-space instructions per line; both counts include making each record's SID): the record 36.9 k on the
 * session's main, its required work 27.0 k (27,027, 26,957), a bare write of the line 7.1 k (Node's Writable and
 * SyncWriteStream, the string's conversion, `fs.writeSync`; the kernel's share comes on top, the system-time row).
 * The record came to 36.9 k from 38.5 k (its result made by `auditedResultOf` from the client's outcome, as the
 * ledger's `settle` makes it) with `auditedResultOf`'s two object literals instead of one with a spread of a
 * conditional one (38,552, 38,537 -> 36,935, 36,916).
 *
 * Which window: V8 tiers a function up to TurboFan by the bytecode it runs, a loop's turns included (`node
 * --trace-opt`, the driver's `auditLines`). On main the two functions of the record's path with a loop per record,
 * `auditRecordJson`'s over the result's keys and the logger's over its template's slots, reached TurboFan at the
 * 4,004th and 4,717th record (12 and 9 ms of compiling at full speed): 7.0 k of the 36.9 k at 2000,6000, and
 * inside this row's 5,000 lines. Straight-line functions, the floor's line and Node's `Writable.write`,
 * `writeOrBuffer` and `fromStringFast` among them, reach it near the 10,500th line in both arms: past both. So a
 * change that takes a loop out moves its function's compile past the window and the row, and counts less there
 * without doing less. Two such changes were counted and reverted. The logger's line kept per invocation
 * (audit-logger.ts: the template's ids and keys written in once, three strings around the timestamp and the record,
 * no loop over the slots nor the template's check per line): 36.9 k -> 32.5 k at 2000,6000 but 36.9 k -> 38.8 k at
 * 8000,16000 (one run each), about even over the two. `auditRecordJson` with its rest as the JSON of an object
 * rest, counted on top of that line (both changes together, 21011a7 and 401058a): 31.6 k at 2000,6000 (two runs;
 * TurboFan's share 0.1 k) but 42.3 k at 8000,16000 (one run), against main's 36.9 k there (its floor 35.2 k in that
 * window) and the line's own 38.8 k: its compile moved to the 10,564th record (18 ms) and its JSON cost ~2.3 k more
 * per record than the loop. Count an A/B of such a change at 8000,16000 as well. The row's 5,000 lines in a fresh
 * process are the cleanup rows' 5,000 calls (CLEANUP_CALLS); a deployed run ends at most `maxCallsToEnd` (100 by
 * default) in a warm process whose earlier runs paid the compilations, so no run length is the deployed one: the
 * row keeps the cleanup rows' in both arms, and its figure is read with the window it holds.
 *
 * Measured and not kept (2026-12-07): writing the line with `fs.writeSync(1, line)` where stdout is a file or a
 * pipe with nothing queued, which skips Node's stream. Callgrind: 9.6 k → 5.9 k instructions per bare line to
 * /dev/null, 10.9 k → 4.7 k to a pipe; but CPU per audit record (`process.cpuUsage()`, alternated rounds: 12 of
 * 5,000 to /dev/null, 10 of 3,000 at 10 a millisecond to a pipe) fell only 0.25–0.8 µs to /dev/null and not at
 * all to a pipe with a reader, as Lambda's stdout is (11.2–13.1 µs either way, the kernel's share dominating),
 * below the 1.5 µs it had to save. Only a fresh process's first lines to a file, this row's set-up, gained more
 * (10.8 → 5.2 µs per bare line: the stream's first compilations), which Lambda's pipe would not see. And a write
 * that bypasses the stream must itself handle EAGAIN, short writes and lines queued before it, and its
 * synchronous EPIPE moves the first failed line to stderr (test/integration/log-write-epipe.test.ts would change).
 * Nor did joining the line's pieces once instead of adding them pay: 29.4 k instead of 27.4 k a record (of an
 * earlier record, before its result was made by `auditedResultOf`). `Object.keys` in `auditRecordJson` instead
 * of `for…in` with `Object.hasOwn`: 36.9 k → 37.6 k (37,635, 37,582). The whole result's JSON taken as the
 * record's fields when it opens with its outcome and then its reason (checked on the text): 31.3 k at 2000,6000,
 * the same compile moved as the object rest's above, and only with `auditedResultOf`'s result reordered (reason
 * before resultingStatus), which test/unit/call-service-audit.test.ts pins.
 */
import { type CleanupResult, cpuPerCall } from './cleanup-scenarios.ts';
import { percent, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratio, ratioSpread, spread, spreadValues } from './report.ts';

/** Issue 22's target for the audit record alone. */
export const TARGET_AUDIT_MS = 0.015;

/** A figure of a few µs, in the target's unit, with the digits that tell it from the target. */
export const fineMs = (value: number): string => `${value.toFixed(4)} ms`;

type Part = 'cpuMs' | 'userCpuMs' | 'systemCpuMs';

/** CPU (ms) of `part` per line written (per ended call: one record or one write each). */
const perLine = (run: CleanupResult, part: Part): number =>
  (run[part] ?? Number.NaN) / Math.max(1, run.ended);

/**
 * The audit-record target row: CPU per record of the runs that wrote only audit records (one a round), their
 * median against the target, min–max shown.
 */
export const auditRecordRow = (audits: readonly CleanupResult[]): ResultRow => {
  const s = spread(audits.map(cpuPerCall));
  return {
    item: 4,
    id: 'audit-record-ms',
    metric: 'Audit record per ended call (client CPU, written alone as the cleanup writes it)',
    project: ms(s.median),
    reference: '—',
    ratio: `min–max ${ms(s.min)}–${ms(s.max)} over ${s.repeats} repeats`,
    target: `≤ ${TARGET_AUDIT_MS} ms`,
    met: yesNo(s.median <= TARGET_AUDIT_MS),
    values: { project: s.median, unit: 'ms', projectMin: s.min, projectMax: s.max, repeats: s.repeats },
  };
};

/** A context row of one figure per line over the repeats: median, min–max. */
const perLineRow = (
  id: string,
  metric: string,
  runs: readonly CleanupResult[],
  part: Part,
  reference: string,
): ResultRow => {
  const s = spread(runs.map((run) => perLine(run, part)));
  return {
    item: 4,
    id,
    metric,
    project: fineMs(s.median),
    reference,
    ratio: `min–max ${fineMs(s.min)}–${fineMs(s.max)} over ${s.repeats} repeats`,
    target: '— (context)',
    met: 'n/a',
    values: { project: s.median, unit: 'ms', projectMin: s.min, projectMax: s.max, repeats: s.repeats },
  };
};

/**
 * What bounds the audit-record target: its CPU per record as user and as system time, and the bare writes of a
 * line as long (their CPU per line, and per round their share of the record's).
 */
export const auditBoundRows = (
  audits: readonly CleanupResult[],
  writes: readonly CleanupResult[],
): ResultRow[] => {
  const record = spread(audits.map((run) => perLine(run, 'cpuMs'))).median;
  const share = spread(writes.map((run, i) => perLine(run, 'cpuMs') / perLine(audits[i] ?? run, 'cpuMs')));
  const bytes = writes[0]?.lineBytes;
  const floor = perLineRow(
    'audit-write-floor-ms',
    'Context, what bounds the audit-record target: the same number of bare `process.stdout.write` calls of a ' +
      `line as long as an audit record's${bytes ? ` (${bytes} bytes)` : ''}, to the same discarded stdout, ` +
      'client CPU (user + system) per line, in the same rounds; the ratio is the per-round share of the record',
    writes,
    'cpuMs',
    `audit record ${fineMs(record)}`,
  );
  return [
    perLineRow(
      'audit-record-user-ms',
      "Context, what bounds the audit-record target: the audit record's CPU per record, user time only (the " +
        "process's own instructions)",
      audits,
      'userCpuMs',
      `of ${fineMs(record)} in all`,
    ),
    perLineRow(
      'audit-record-system-ms',
      "Context, what bounds the audit-record target: the audit record's CPU per record, system time only (the " +
        'kernel, working for the process: the write to stdout and any page faults)',
      audits,
      'systemCpuMs',
      `of ${fineMs(record)} in all`,
    ),
    {
      ...floor,
      ratio: ratioSpread(share),
      values: { ...floor.values, ratio: share.median, ratioMin: share.min, ratioMax: share.max },
    },
  ];
};

/**
 * The audit record's required-work floor (bench/cleanup-audit-lines.ts `writeRequired`: the record's fields and
 * values made by hand, each line written with `process.stdout.write`), in the same rounds: its CPU per line, and
 * per round the record's CPU over it. None when the rounds did not run it.
 */
export const auditRequiredRows = (
  audits: readonly CleanupResult[],
  required: readonly CleanupResult[],
): ResultRow[] => {
  if (required.length === 0) return [];
  const floor = spread(required.map(cpuPerCall)).median;
  const over = spread(audits.map((run, i) => cpuPerCall(run) / cpuPerCall(required[i] ?? run)));
  const record = spread(audits.map(cpuPerCall)).median;
  return [
    perLineRow(
      'audit-required-work-ms',
      "Context, what bounds the audit-record target: the audit record's required work, its line made by hand the " +
        'cheapest plain way the contract allows (the same fields and values; the parts fixed for a run serialised ' +
        "once, a status's or outcome's JSON once per value, the timestamp's text once a second, each record's SID " +
        'and rule with `JSON.stringify`) and written with `process.stdout.write`, no library; client CPU per line, ' +
        'in the same rounds',
      required,
      'cpuMs',
      `audit record ${fineMs(record)}`,
    ),
    {
      item: 4,
      id: 'audit-record-vs-required-work',
      metric:
        'Context: audit record CPU per record vs its required-work floor, same rounds, per-round ratios',
      project: fineMs(record),
      reference: `required work ${fineMs(floor)}`,
      ratio: ratioSpread(over),
      target: '— (context)',
      met: 'n/a',
      values: spreadValues(over, record, floor, 'ms'),
    },
  ];
};

/** The audit note's sentence on the required-work floor, from the figures: bounded by it, or how far above it. */
const requiredSentence = (audits: readonly CleanupResult[], required: readonly CleanupResult[]): string => {
  if (required.length === 0) return '';
  const floor = spread(required.map(cpuPerCall)).median;
  const over = spread(audits.map((run, i) => cpuPerCall(run) / cpuPerCall(required[i] ?? run))).median;
  const record = spread(audits.map(cpuPerCall)).median;
  const verdict =
    floor > TARGET_AUDIT_MS
      ? `beyond the ${TARGET_AUDIT_MS} ms target on its own: on this machine the target is bounded by the line ` +
        'the contract requires and its write'
      : `within the ${TARGET_AUDIT_MS} ms target (${fineMs(TARGET_AUDIT_MS - floor)} to spare): the target is not ` +
        `bounded by it, and the record exceeds it by ${fineMs(Math.max(0, record - floor))} per record`;
  return (
    ` The required work alone (the \`audit-required-work-ms\` and \`audit-record-vs-required-work\` rows: the ` +
    "same line made by hand, its run's fixed part serialised once, each value of a field of few values once, the " +
    "timestamp's text once a second, each record's SID and rule with `JSON.stringify`, " +
    `written with \`process.stdout.write\`) takes ${fineMs(floor)} per line: ${verdict}. The record is ` +
    `${ratio(over)} that floor (median of the per-round ratios). In instructions: ` +
    '`npx tsx bench/cleanup-instructions.ts audit write audit-required --calls 2000,6000` (callgrind).'
  );
};

/** The note under the table: the record's CPU split, and how much of the target the write itself takes. */
export const auditNote = (
  audits: readonly CleanupResult[],
  writes: readonly CleanupResult[],
  required: readonly CleanupResult[] = [],
): string => {
  // The split of the run with the median CPU per line, so that its user and system time add up to its figure.
  const middle = (runs: readonly CleanupResult[]) =>
    [...runs].sort((a, b) => perLine(a, 'cpuMs') - perLine(b, 'cpuMs'))[(runs.length - 1) >> 1];
  const median = (runs: readonly CleanupResult[], part: Part) => {
    const run = middle(runs);
    return run ? perLine(run, part) : Number.NaN;
  };
  const record = median(audits, 'cpuMs');
  const write = median(writes, 'cpuMs');
  const left =
    write < TARGET_AUDIT_MS
      ? `leaving ${fineMs(TARGET_AUDIT_MS - write)} for building the line`
      : 'more than the whole target before the line is built';
  // The records make the same writes: bare writes that cost as much say nothing of what building the line takes.
  const building =
    write < record
      ? `against the ${fineMs(record - write)} it takes`
      : 'but the records took no more CPU than their bare writes in this run, so it shows nothing of what ' +
        'building the line takes';
  // Tick-sampled (CONFIG_TICK_CPU_ACCOUNTING, 250 Hz here): 8 processes of 5,000 bare writes (40 ms of CPU each)
  // measured 7.8–9.0 µs per line in all, of which system time 1.3–3.7 µs.
  const recordRun = middle(audits);
  const systemAbove =
    median(writes, 'systemCpuMs') > median(audits, 'systemCpuMs')
      ? ': here the bare writes show more system time than the records, which make the same writes'
      : '';
  const verdict = record > TARGET_AUDIT_MS ? 'Missed, audit record' : 'Audit record';
  const bytes = writes[0]?.lineBytes;
  return (
    `${verdict} (the \`audit-record-*\` and \`audit-write-floor-ms\` rows): ${fineMs(record)} of client CPU per ` +
    `record (median of ${audits.length} runs of ${audits[0]?.ended ?? 0} records each, every line written to a ` +
    `discarded stdout as in the cleanup rows), of which (the median run) user time ${fineMs(median(audits, 'userCpuMs'))} and ` +
    `system time ${fineMs(median(audits, 'systemCpuMs'))}. The write itself, measured in the same rounds: as many ` +
    `bare \`process.stdout.write\` calls of a line as long${bytes ? ` (${bytes} bytes)` : ''}, to the same stdout ` +
    `(a synchronous write to /dev/null per line), take ${fineMs(write)} per line (user ` +
    `${fineMs(median(writes, 'userCpuMs'))}, system ${fineMs(median(writes, 'systemCpuMs'))}): ` +
    `${percent(write, TARGET_AUDIT_MS)} of the ${TARGET_AUDIT_MS} ms target, ${percent(write, record)} of the ` +
    `record's CPU, ${left} (the record's JSON, the template, the timestamp), ${building}. The totals are exact; ` +
    "their split is not: Linux splits a process's CPU time into user and system time by sampling where its " +
    `scheduler tick (every few ms) finds it, so over a run's ${(recordRun?.cpuMs ?? Number.NaN).toFixed(0)} ms of ` +
    `CPU each part moves by tens of per cent of the whole from run to run${systemAbove}.` +
    requiredSentence(audits, required)
  );
};
