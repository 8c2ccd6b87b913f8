import { callKey, uniqueCalls } from '#commons/calls/unique-calls';
import { CALL_STATUSES } from '#commons/signalwire/types';
import { API_FILTER_OPTION, checkApi } from '../core/api-option.ts';
import { apiOf, type CallsBackend, type ListedCall, type ListFilter, listAll } from '../core/backend.ts';
import { callsTable } from '../core/calls-view.ts';
import { checkNotBlank, checkOptionalChoice } from '../core/choice.ts';
import { type CommandContext, defineCommand, printJson } from '../core/command.ts';
import { CliError, EXIT, UsageError } from '../core/errors.ts';
import { echo, safeJson, visible } from '../core/safe-text.ts';
import { openCalls } from '../core/targets.ts';

const spec = {
  name: 'calls list',
  summary: 'List calls of both kinds, newest first, with the API’s filters. One page unless --all.',
  description: [
    'KIND says which API owns a call: compat (the Compatibility API, cXML) or native (the Calling API: SWML, ' +
      'RELAY, AI agents). JSON output carries it as api: "compatibility" or "calling". --api narrows to one kind.',
  ],
  positionals: { min: 0, max: 0 },
  options: {
    status: {
      type: 'string',
      value: 'status',
      caseless: true,
      description: 'queued, ringing, in-progress, completed, busy, failed, no-answer or canceled.',
    },
    to: { type: 'string', value: 'number', description: 'Calls to this number or SIP address.' },
    from: { type: 'string', value: 'number', description: 'Calls from this number or SIP address.' },
    parent: { type: 'string', value: 'sid', description: 'Legs of this parent call.' },
    'started-after': { type: 'string', value: 'date', description: 'Started after (ISO 8601 or RFC 2822).' },
    'started-before': { type: 'string', value: 'date', description: 'Started before.' },
    'ended-after': { type: 'string', value: 'date', description: 'Ended after.' },
    'ended-before': { type: 'string', value: 'date', description: 'Ended before.' },
    'page-size': { type: 'string', value: 'n', description: 'Calls per page, 1 to 1000. [default 50]' },
    api: API_FILTER_OPTION,
    all: { type: 'boolean', description: 'Follow every page to the end.' },
    cursor: {
      type: 'string',
      value: 'cursor',
      description: 'Start at this page (the next_cursor of a previous list).',
    },
  },
  examples: [
    'call-control calls list --status in-progress',
    'call-control calls list --to +13105550100 --all -o ndjson | jq -r .sid',
    'call-control calls list --local --started-after 2026-11-29T00:00:00Z -o json',
    'call-control calls list --api calling --status in-progress   # native calls only (AI agents, SWML)',
  ],
} as const;

type ListContext = CommandContext<(typeof spec)['options']>;

/** The API's query fields and the flags that set them: a refusal names the flag the operator typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  startTimeAfter: '--started-after',
  startTimeBefore: '--started-before',
  endTimeAfter: '--ended-after',
  endTimeBefore: '--ended-before',
  parentCallSid: '--parent',
  pageSize: '--page-size',
};

const inFlagTerms = (error: unknown): unknown => {
  if (!(error instanceof CliError) || error.code !== 'INVALID_REQUEST') return error;
  const message = error.message
    .replace(
      /\b(startTimeAfter|startTimeBefore|endTimeAfter|endTimeBefore|parentCallSid|pageSize)\b/g,
      (field) => FLAG_OF_FIELD[field] ?? field,
    )
    .replace(/\bapi=(calling|compatibility)\b/g, '--api $1');
  return new CliError(message, error.hint, error.exitCode, error.code);
};

export const command = defineCommand(
  { ...spec, positionals: { ...spec.positionals }, examples: [...spec.examples] },
  async (context) => {
    const { values } = context;
    const pageSize = Number(values['page-size'] ?? 50);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new UsageError(
        `--page-size must be an integer from 1 to 1000, got "${echo(String(values['page-size']))}"`,
      );
    }
    const api = checkApi(values.api);
    const filter: Record<string, string | number | undefined> = {
      api,
      status: checkOptionalChoice(values.status, '--status', CALL_STATUSES),
      to: checkNotBlank(values.to, '--to', '+13105550100'),
      from: checkNotBlank(values.from, '--from', '+13105550100'),
      parentCallSid: values.parent,
      startTimeAfter: values['started-after'],
      startTimeBefore: values['started-before'],
      endTimeAfter: values['ended-after'],
      endTimeBefore: values['ended-before'],
      pageSize,
    };
    for (const key of Object.keys(filter)) if (filter[key] === undefined) delete filter[key];
    const backend = await openCalls(context.globals);
    try {
      return await list(context, backend, filter);
    } catch (error) {
      throw inFlagTerms(error);
    }
  },
);

const list = async (
  context: ListContext,
  backend: CallsBackend,
  filter: Record<string, string | number | undefined>,
): Promise<number> => {
  const { values } = context;

  let calls: ListedCall[];
  let nextCursor: string | null = null;
  if (values.all) {
    // Each call once, though SignalWire's pages may shift between reads: as its freshest reading, or (ndjson,
    // printed as it is read) its first.
    calls = [];
    const printed = new Set<string>();
    for await (const listed of listAll(backend, filter as ListFilter)) {
      const call = { ...listed, api: apiOf(listed) };
      if (context.output !== 'ndjson') calls.push(call);
      else if (!printed.has(callKey(call))) {
        printed.add(callKey(call));
        context.print(safeJson(call));
      }
    }
    if (context.output === 'ndjson') return EXIT.ok;
    calls = uniqueCalls(calls);
  } else {
    const page = await backend.listPage(filter as ListFilter, values.cursor);
    calls = page.calls.map((call) => ({ ...call, api: apiOf(call) }));
    nextCursor = page.nextCursor;
  }

  if (context.output === 'json') printJson(context, { calls, next_cursor: nextCursor });
  else if (context.output === 'ndjson') printJson(context, null, calls);
  else {
    // An empty page with a next one is not "no calls": a later page may hold matches (a page of native voice
    // logs can have none in the asked state).
    context.print(
      calls.length > 0
        ? callsTable(calls, context.style)
        : nextCursor
          ? 'No calls on this page.'
          : 'No calls match.',
    );
    if (nextCursor)
      context.note(
        context.errStyle.dim(
          `${calls.length > 0 ? 'More calls' : 'Later pages may match'}: add --all, or --cursor ${visible(nextCursor)}`,
        ),
      );
  }
  return EXIT.ok;
};
