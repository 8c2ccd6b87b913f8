import { uniqueCalls } from '#commons/calls/unique-calls';
import { CLEANUP_ENDS_PER_SECOND } from '#commons/platform/settings';
import { CALL_DIRECTIONS, type CallStatus, DIRECTION_MATCHES } from '#commons/signalwire/types';
import { API_FILTER_OPTION, checkApi } from '../core/api-option.ts';
import { apiOf, type CallsBackend, type ListedCall, type ListFilter, listAll } from '../core/backend.ts';
import { createCallAger } from '../core/call-age.ts';
import { callsTable, humanSeconds, parseDuration } from '../core/calls-view.ts';
import { checkChoice, checkNotBlank } from '../core/choice.ts';
import { type CommandContext, defineCommand, holdOutput, printJson } from '../core/command.ts';
import { CliError, EXIT, mayHaveApplied, UsageError } from '../core/errors.ts';
import { watchInterrupts } from '../core/interrupt.ts';
import { confirm, interactive } from '../core/prompt.ts';
import { echo, visible } from '../core/safe-text.ts';
import { openCalls } from '../core/targets.ts';
import { batchExit, ProgressBar } from '../core/terminal.ts';

const LIVE: CallStatus[] = ['in-progress', 'ringing', 'queued'];
const PREVIEW_ROWS = 20;

export const command = defineCommand(
  {
    name: 'end-all',
    summary:
      'The kill switch: end every live call matching the filters, now, and cancel the queued ones, of both kinds.',
    positionals: { min: 0, max: 0 },
    description: [
      'Always lists the matching calls first (the preview). On a terminal you confirm by typing how many calls ' +
        'will be ended; in a script, --yes goes ahead and --expect N refuses unless the preview found exactly N.',
      'Ends are paced (--rate) well under SignalWire’s account-wide POST limit, with a progress bar and a ' +
        'summary. A call that ended meanwhile counts as ended, not as a failure.',
      'Both kinds of call are covered: Compatibility calls and native ones (SWML, RELAY, AI agents), queued ' +
        'calls included, so a runaway SWML campaign stops dialling; --api narrows to one kind.',
    ],
    options: {
      status: {
        type: 'string',
        multiple: true,
        value: 'status',
        description: 'in-progress, ringing, queued (repeatable). [default all three]',
      },
      to: { type: 'string', value: 'number', description: 'Only calls to this number.' },
      from: { type: 'string', value: 'number', description: 'Only calls from this number.' },
      direction: {
        type: 'string',
        multiple: true,
        value: 'dir',
        description:
          'inbound, outbound, outbound-api, outbound-dial (repeatable); as in cleanup policies, outbound also matches outbound-api and outbound-dial.',
      },
      'older-than': {
        type: 'string',
        value: 'age',
        description:
          'Only calls up (or ringing, queued) longer than this: 90s, 15m, 2h. An answered native call is aged by its voice-log answer event, as the cleanup does: with --local or --direct (the deployed API cannot read it).',
      },
      api: API_FILTER_OPTION,
      'dry-run': { type: 'boolean', description: 'Show the preview and stop.' },
      expect: {
        type: 'string',
        value: 'n',
        description: 'With --yes: refuse unless the preview found exactly n calls.',
      },
      rate: {
        type: 'string',
        value: 'n',
        description: `End requests per second, 1 to ${CLEANUP_ENDS_PER_SECOND.max}. [default 20]`,
      },
    },
    examples: [
      'call-control end-all --to +13105550100 --dry-run',
      'call-control end-all --to +13105550100                     # preview, then type the count',
      'call-control end-all --status in-progress --older-than 2h --yes --expect 12 -o json',
      'call-control end-all --api calling --from +14155550199 --dry-run    # a runaway SWML campaign',
    ],
  },
  async (context) => {
    const { values } = context;
    const { statuses, directions, matchingDirections, olderThan, rate, api, expect } = readFilters(values);
    checkNotBlank(values.to, '--to', '+13105550100');
    checkNotBlank(values.from, '--from', '+13105550100');

    const backend = await openCalls(context.globals);
    const now = Date.now();
    const listed: ListedCall[] = [];
    const ageOf = createCallAger(context.globals, now);
    let unknownAge = 0;
    let nativeUnjudged = 0;
    for (const status of statuses) {
      const filter: ListFilter = {
        status,
        pageSize: 200,
        ...(api ? { api } : {}),
        ...(values.to !== undefined ? { to: values.to } : {}),
        ...(values.from !== undefined ? { from: values.from } : {}),
      };
      for await (const call of listAll(backend, filter)) {
        if (call.status !== status) continue;
        if (matchingDirections && !matchingDirections.has(call.direction)) continue;
        if (olderThan === undefined) {
          listed.push(call);
          continue;
        }
        const age = await ageOf(call, olderThan);
        if ('unknown' in age) {
          if (age.unknown === 'native, deployed') nativeUnjudged++;
          else unknownAge++;
          continue;
        }
        if (age.ageSeconds >= olderThan) listed.push(age.call);
      }
    }

    // A call listed twice (pages that shifted between reads, or a call that moved on between two statuses' lists)
    // is ended once, as its freshest reading.
    const matches = uniqueCalls(listed);
    // The preview goes to stderr in table mode so stdout carries only the outcome; to stdout in json.
    const preview = {
      target: backend.where,
      filters: {
        statuses,
        to: values.to,
        from: values.from,
        directions,
        olderThanSeconds: olderThan,
        api: api ?? null,
      },
      count: matches.length,
      calls: matches.map((call) => {
        const { sid, from, to, status, direction } = call;
        return { sid, api: apiOf(call), from, to, status, direction };
      }),
    };
    // On a terminal about to ask, the calls are shown whatever the output mode: a confirmation shows what it acts on.
    const asking = !context.yes && interactive() && !values['dry-run'] && matches.length > 0;
    if (context.output === 'table' || asking) {
      context.note(context.errStyle.bold(`${matches.length} live call(s) match on ${backend.where}`));
      if (matches.length > 0)
        context.note(callsTable(matches.slice(0, PREVIEW_ROWS), context.errStyle, now, process.stderr));
      if (matches.length > PREVIEW_ROWS) context.note(`... and ${matches.length - PREVIEW_ROWS} more`);
      if (unknownAge > 0)
        context.note(`${unknownAge} call(s) without a start time were left out (age unknown).`);
      if (nativeUnjudged > 0)
        context.note(
          `${nativeUnjudged} answered native call(s) created more than ${humanSeconds(olderThan ?? 0)} ago were left out (age unknown): an answered native call's age is read from its voice-log answer event, which takes the SignalWire secret; run it with --direct, or leave them to the scheduled cleanup.`,
        );
    }
    // Before anything else: a script that expected calls must not read "Nothing to end." as success.
    if (context.yes && expect !== undefined && expect !== matches.length && !values['dry-run']) {
      throw new CliError(
        `the preview found ${matches.length} call(s), not the ${expect} expected; nothing was ended`,
        'Run it with --dry-run to see the calls, then adjust --expect or the filters.',
        EXIT.failed,
        'PREVIEW_MISMATCH',
      );
    }
    if (values['dry-run'] || matches.length === 0) {
      if (context.output !== 'table')
        printJson(context, { preview, dryRun: values['dry-run'] === true }, [preview]);
      else context.note(matches.length === 0 ? 'Nothing to end.' : 'Dry run: nothing was ended.');
      return EXIT.ok;
    }
    await confirm(`End these ${matches.length} call(s)?`, String(matches.length), context.yes);

    holdOutput();
    const started = performance.now();
    const finish = (results: EndResult[]): number => {
      const summary = summarise(matches.length, results, performance.now() - started);
      if (context.output === 'table') reportTable(context, summary, results);
      else printJson(context, { preview, summary, results }, results);
      // A call whose outcome is unknown may have ended: never exit 1, which says nothing changed.
      return batchExit(
        summary.ended + summary.alreadyEnded + summary.unknown,
        summary.failed + summary.notSent + summary.unknown,
      );
    };
    return finish(await endPaced(context, backend, matches, rate, finish));
  },
);

/** The options `readFilters` checks, as the command line gives them. */
interface EndAllValues {
  status?: string[];
  direction?: string[];
  'older-than'?: string;
  rate?: string;
  api?: string;
  expect?: string;
}

/** The command's filters and limits, each checked and named in its refusal. */
const readFilters = (values: EndAllValues) => {
  // A status given twice (`--status in-progress --status IN-PROGRESS`) is listed once: its calls would
  // otherwise be matched, counted and ended twice.
  const statuses = values.status
    ? [
        ...new Set(
          values.status.map((status) =>
            checkChoice(status, '--status', LIVE, 'only live calls can be ended'),
          ),
        ),
      ]
    : LIVE;
  const directions = values.direction?.map((direction) =>
    checkChoice(direction, '--direction', CALL_DIRECTIONS),
  );
  // The cleanup policy's rule: `outbound` is the family, a Twilio-style kind matches only itself.
  const matchingDirections =
    directions && new Set<string>(directions.flatMap((direction) => DIRECTION_MATCHES[direction]));
  const olderThan =
    values['older-than'] !== undefined ? parseDuration(values['older-than'], '--older-than') : undefined;
  return {
    statuses,
    directions,
    matchingDirections,
    olderThan,
    rate: checkRate(values.rate),
    api: checkApi(values.api),
    expect: checkExpect(values.expect),
  };
};

const checkRate = (raw: string | undefined): number => {
  const rate = Number(raw ?? 20);
  if (!Number.isInteger(rate) || rate < CLEANUP_ENDS_PER_SECOND.min || rate > CLEANUP_ENDS_PER_SECOND.max)
    throw new UsageError(
      `--rate must be an integer from 1 to ${CLEANUP_ENDS_PER_SECOND.max}, got "${echo(String(raw))}"`,
    );
  return rate;
};

const checkExpect = (raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  // Digits only: Number('') is 0, and an empty --expect= must not pass for "expect none".
  if (!/^\d+$/.test(raw)) throw new UsageError(`--expect must be a count, got "${echo(raw)}"`);
  return Number(raw);
};

type Summary = ReturnType<typeof summarise>;

/** What an end-all came to; `canceled` counts the ended calls that were cancelled before being answered. */
const summarise = (matched: number, results: EndResult[], elapsedMs: number) => {
  const count = (outcome: string) => results.filter((result) => result.outcome === outcome).length;
  return {
    matched,
    ended: count('updated'),
    canceled: results.filter((result) => result.outcome === 'updated' && result.status === 'canceled').length,
    alreadyEnded: count('already-ended'),
    failed: count('failed'),
    /** Sent, and the answer not waited for (a second Ctrl-C) or not usable (it may have ended). */
    unknown: count('unknown'),
    notSent: matched - results.length,
    durationSeconds: Math.round(elapsedMs / 100) / 10,
  };
};

const reportTable = (context: CommandContext, summary: Summary, results: EndResult[]): void => {
  const canceled = summary.canceled > 0 ? ` (${summary.canceled} cancelled before answer)` : '';
  context.print(
    `Ended ${summary.ended}${canceled}, already ended ${summary.alreadyEnded}, failed ${summary.failed} of ${summary.matched} in ${humanSeconds(summary.durationSeconds)}.` +
      (summary.unknown > 0
        ? ` Outcome unknown (sent, no answer waited for or none usable): ${summary.unknown}.`
        : '') +
      (summary.notSent > 0 ? ` Not sent (interrupted): ${summary.notSent}.` : ''),
  );
  for (const unknown of results.filter((result) => result.outcome === 'unknown'))
    context.print(
      `  ${unknown.sid}  ${context.style.yellow(`unknown: ${unknown.error ? `${visible(unknown.error)}; ` : ''}check it with calls get`)}`,
    );
  for (const failure of results.filter((result) => result.outcome === 'failed')) {
    context.print(`  ${failure.sid}  ${context.style.red(visible(failure.error ?? 'failed'))}`);
  }
  if (summary.failed + summary.notSent + summary.unknown > 0)
    context.note('next: run the same end-all again; ended calls are skipped, the rest retried.');
};

interface EndResult {
  sid: string;
  api: string;
  outcome: string;
  /** Null when SignalWire did not give the call's status (a native call). */
  status?: string | null;
  error?: string;
}

/**
 * Ends `matches` at `rate` per second, at most 10 in flight, with a progress bar. Ctrl-C (or SIGTERM, SIGHUP) stops
 * sending: requests in flight finish, and the results say what was and was not done. A second one stops
 * waiting: `finish` reports the calls in flight as `unknown`, and the process exits with its code.
 */
const endPaced = async (
  context: CommandContext,
  backend: CallsBackend,
  matches: ListedCall[],
  rate: number,
  finish: (results: EndResult[]) => number,
): Promise<EndResult[]> => {
  const started = performance.now();
  const bar = new ProgressBar('ending', matches.length);
  const results: EndResult[] = [];
  const interval = 1000 / rate;
  const inFlight = new Set<Promise<void>>();
  const sent = new Map<string, string>();
  const watch = watchInterrupts({
    first: () =>
      context.note(
        `\ninterrupted: no more end requests will be sent; waiting for the ${sent.size} in flight (Ctrl-C again to stop waiting)`,
      ),
    second: () => {
      bar.finish();
      const unknown = [...sent].map(([sid, api]) => ({ sid, api, outcome: 'unknown' }));
      process.exit(finish([...results, ...unknown]));
    },
  });
  for (const [index, call] of matches.entries()) {
    const wait = started + index * interval - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= 10 && !watch.interrupted) await Promise.race(inFlight);
    // Checked after the wait for a slot too: a Ctrl-C during that wait must not let one more end out.
    if (watch.interrupted) break;
    // The listing said which API owns the call: the end goes there without looking it up again.
    const api = apiOf(call);
    sent.set(call.sid, api);
    const task: Promise<void> = backend
      .endCall(call.sid, call.api)
      .then(
        (result) => {
          results.push({ sid: call.sid, api, outcome: result.outcome, status: result.call.status });
        },
        (error: unknown) => {
          // Sent, and no usable answer: the call may have ended, so `unknown`, never `failed`.
          results.push({
            sid: call.sid,
            api,
            outcome: mayHaveApplied(error) ? 'unknown' : 'failed',
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        inFlight.delete(task);
        sent.delete(call.sid);
        bar.tick();
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  watch.dispose();
  bar.finish();
  return results;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
