import { existsSync, readFileSync } from 'node:fs';
import { AUDIT_MESSAGE, type AuditRecord } from '#commons/calls/audit';
import { defaultAuditFile } from '../core/audit-file.ts';
import { awsClientConfig, awsFailure } from '../core/aws.ts';
import { parseDuration } from '../core/calls-view.ts';
import { type CommandContext, defineCommand, printJson } from '../core/command.ts';
import { describeDeployedStack } from '../core/deployed-stack.ts';
import { EXIT, UsageError } from '../core/errors.ts';
import { readLocalState } from '../core/local-state.ts';
import { echo } from '../core/safe-text.ts';
import { renderTable, tableWidth } from '../core/table.ts';
import { targetKind } from '../core/targets.ts';
import { checkCallSid } from '../core/validate.ts';

const spec = {
  name: 'audit',
  summary: 'Audit records (who did what to which call, and how it ended), newest first.',
  positionals: { min: 0, max: 0 },
  description: [
    [
      'Deployed: CloudWatch Logs Insights over the stack’s function log groups.',
      '--local: the local stack’s records (audit.ndjson in its state directory).',
      '--direct: the records of what this CLI did itself (CALL_CONTROL_AUDIT_LOG, ~/.local/state/call-control/audit.ndjson).',
    ].join('\n'),
  ],
  options: {
    call: { type: 'string', value: 'sid', description: 'Records of this call.' },
    actor: {
      type: 'string',
      value: 'text',
      description: 'Records whose actor contains this (an IAM ARN, cli:<user>, a schedule).',
    },
    since: {
      type: 'string',
      value: 'age|date',
      description: 'From this long ago (24h) or this date. [default 24h]',
    },
    until: { type: 'string', value: 'date', description: 'Up to this date. [default now]' },
    limit: { type: 'string', value: 'n', description: 'At most n records. [default 50]' },
  },
  examples: [
    'call-control audit --call 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab',
    'call-control audit --actor cli:alice --since 2h',
    'call-control audit --since 2026-11-29T00:00:00Z --until 2026-11-29T06:00:00Z -o ndjson',
  ],
} as const;

export interface AuditEntry {
  timestamp: string;
  audit: AuditRecord;
}

const parseWhen = (value: string, flag: string, now: number): number => {
  // A bare number is refused by parseDuration: it needs a unit.
  if (/^\d[\d\sdhms]*$/.test(value.trim())) return now - parseDuration(value, flag) * 1000;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(
      `${flag} must be a duration (24h) or a date (2026-11-29T00:00:00Z), got "${echo(value)}"`,
    );
  return ms;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A line the table and the filters can read: a record cut short, edited by hand or written by something else
 * is skipped (and counted), never a crash of the command that is meant to say who did what.
 */
const isAuditEntry = (parsed: unknown): parsed is AuditEntry => {
  if (!isRecord(parsed) || parsed.message !== AUDIT_MESSAGE) return false;
  const { timestamp, audit } = parsed;
  return (
    typeof timestamp === 'string' &&
    Number.isFinite(Date.parse(timestamp)) &&
    isRecord(audit) &&
    isRecord(audit.actor) &&
    typeof audit.actor.name === 'string' &&
    typeof audit.callSid === 'string' &&
    typeof audit.trigger === 'string' &&
    typeof audit.outcome === 'string' &&
    isRecord(audit.change) &&
    (audit.reason === undefined || typeof audit.reason === 'string') &&
    (audit.resultingStatus === undefined || typeof audit.resultingStatus === 'string')
  );
};

/** The records of an audit file, and how many of its lines were not records. */
const readFile = (file: string): { entries: AuditEntry[]; skipped: number } => {
  if (!existsSync(file)) return { entries: [], skipped: 0 };
  let skipped = 0;
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (isAuditEntry(parsed)) return [parsed];
      skipped++;
      return [];
    });
  return { entries, skipped };
};

/** Logs Insights: the records of the stack's function log groups, filtered there, newest first. */
const queryDeployed = async (
  context: CommandContext,
  filter: { call?: string; actor?: string; from: number; to: number; limit: number },
): Promise<AuditEntry[]> => {
  const stack = await describeDeployedStack(context.globals);
  const [cfn, logs] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-cloudwatch-logs'),
  ]);
  const config = { ...awsClientConfig(context.globals), region: stack.region };
  try {
    // ListStackResources, every page: DescribeStackResources stops at the first 100 resources.
    const logGroupNames: string[] = [];
    const pages = cfn.paginateListStackResources(
      { client: new cfn.CloudFormationClient(config) },
      { StackName: stack.name },
    );
    for await (const page of pages) {
      for (const resource of page.StackResourceSummaries ?? []) {
        if (resource.ResourceType === 'AWS::Logs::LogGroup' && resource.PhysicalResourceId)
          logGroupNames.push(resource.PhysicalResourceId);
      }
    }
    const quote = (text: string) => JSON.stringify(text);
    const query = [
      'fields @timestamp, @message',
      `| filter message = ${quote(AUDIT_MESSAGE)}`,
      ...(filter.call ? [`| filter audit.callSid = ${quote(filter.call)}`] : []),
      ...(filter.actor ? [`| filter audit.actor.name like ${quote(filter.actor)}`] : []),
      '| sort @timestamp desc',
      `| limit ${filter.limit}`,
    ].join('\n');
    const client = new logs.CloudWatchLogsClient(config);
    const { queryId } = await client.send(
      new logs.StartQueryCommand({
        logGroupNames,
        startTime: Math.floor(filter.from / 1000),
        endTime: Math.ceil(filter.to / 1000),
        queryString: query,
        limit: filter.limit,
      }),
    );
    for (let attempt = 0; attempt < 60; attempt++) {
      const answer = await client.send(new logs.GetQueryResultsCommand({ queryId }));
      if (answer.status === 'Complete') {
        return (answer.results ?? []).flatMap((row) => {
          const message = row.find((field) => field.field === '@message')?.value;
          try {
            const line = JSON.parse(message ?? '') as AuditEntry;
            return line.audit ? [line] : [];
          } catch {
            return [];
          }
        });
      }
      if (answer.status === 'Failed' || answer.status === 'Cancelled' || answer.status === 'Timeout') {
        throw new Error(`the Logs Insights query ended ${answer.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    throw new Error('the Logs Insights query did not finish in 60 s');
  } catch (error) {
    throw awsFailure('querying the audit records in CloudWatch Logs', error, context.globals);
  }
};

/** The audit table drops REASON, TRIGGER, CHANGE, ACTOR, then TIME when the terminal is too narrow. */
const AUDIT_DROP_ORDER = [6, 2, 4, 1, 0];
/** CALL and OUTCOME are shown whole: too narrow for both, each record is stacked (the call, its outcome below). */
const AUDIT_WHOLE = [3, 5];

export const command = defineCommand({ ...spec, examples: [...spec.examples] }, async (context) => {
  const { values } = context;
  const now = Date.now();
  const from = parseWhen(values.since ?? '24h', '--since', now);
  const to = values.until !== undefined ? parseWhen(values.until, '--until', now) : now;
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError(`--limit must be an integer from 1 to 10000, got "${echo(String(values.limit))}"`);
  const call = values.call !== undefined ? checkCallSid(values.call) : undefined;
  const actor = values.actor;

  const kind = targetKind(context.globals);
  let entries: AuditEntry[];
  if (kind === 'deployed') {
    entries = await queryDeployed(context, { call, actor, from, to, limit });
  } else {
    const file =
      kind === 'local'
        ? readLocalState(context.globals.port, context.globals.portGiven).auditLog
        : defaultAuditFile();
    const read = readFile(file);
    if (read.skipped > 0)
      context.note(
        `note: skipped ${read.skipped} line(s) of ${file} that are not whole audit records (cut short or edited by hand)`,
      );
    entries = read.entries
      .filter((entry) => {
        const at = Date.parse(entry.timestamp);
        return (
          at >= from &&
          at <= to &&
          (!call || entry.audit.callSid === call) &&
          (!actor || entry.audit.actor.name.includes(actor))
        );
      })
      .reverse()
      .slice(0, limit);
  }

  if (context.output !== 'table') {
    printJson(context, { records: entries }, entries);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    context.print('No audit records match.');
    context.note(
      context.errStyle.dim(
        'Widen the window with --since (e.g. --since 7d), or check the target (--local, --direct).',
      ),
    );
    return EXIT.ok;
  }
  const rows = entries.map(({ timestamp, audit }) => [
    timestamp.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'),
    audit.actor.name,
    audit.trigger,
    audit.callSid,
    Object.entries(audit.change)
      .map(([field, value]) => `${field}=${value}`)
      .join(' ') || '-',
    audit.outcome + (audit.resultingStatus ? ` (${audit.resultingStatus})` : ''),
    audit.reason ?? '',
  ]);
  context.print(
    renderTable(['TIME', 'ACTOR', 'TRIGGER', 'CALL', 'CHANGE', 'OUTCOME', 'REASON'], rows, context.style, {
      width: tableWidth(),
      dropOrder: AUDIT_DROP_ORDER,
      whole: AUDIT_WHOLE,
    }),
  );
  return EXIT.ok;
});
