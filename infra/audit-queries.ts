import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUDIT_MESSAGE, CLEANUP_REPORT_MESSAGE } from '../functions/commons/calls/audit.ts';

/** Props of {@link CallControlAuditQueries}. */
export interface CallControlAuditQueriesProps {
  /** Log groups of the functions that write audit records and cleanup reports. */
  readonly logGroups: readonly ILogGroup[];
  /** Folder of the saved queries in the Logs Insights console (`<folder>/<query>`). */
  readonly folder: string;
}

/** Placeholder the operator replaces in the saved "by call SID" query before running it. */
export const CALL_SID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

const AUDIT_FIELDS = [
  '@timestamp',
  'audit.trigger',
  'audit.actor.name',
  'audit.callSid',
  'audit.change.Status',
  'audit.outcome',
  'audit.reason',
  'audit.priorStatus',
  'audit.resultingStatus',
  'audit.errorCode',
  'audit.correlationId',
];

const isAudit = `message = "${AUDIT_MESSAGE}"`;

/**
 * Saved CloudWatch Logs Insights queries over the audit records (functions/commons/calls/audit.ts: one INFO line per
 * action, message "call-control audit", the record under `audit`) and the cleanup reports, so an auditor picks
 * them from the console's "Saved queries" instead of typing them.
 */
export class CallControlAuditQueries extends Construct {
  /** Every action on one call, newest first; replace the placeholder SID before running it. */
  readonly byCallSid: QueryDefinition;
  /** Who did what: actions per actor, trigger and outcome. */
  readonly byActor: QueryDefinition;
  /** Actions refused before or by SignalWire (`outcome = "rejected"`), with the reason. */
  readonly refusedActions: QueryDefinition;
  /** Every cleanup run with its report (counts, dry run, failures). */
  readonly cleanupRuns: QueryDefinition;

  constructor(scope: Construct, id: string, props: CallControlAuditQueriesProps) {
    super(scope, id);
    const logGroups = [...props.logGroups];
    const define = (queryId: string, name: string, queryString: QueryString): QueryDefinition =>
      new QueryDefinition(this, queryId, {
        queryDefinitionName: `${props.folder}/${name}`,
        queryString,
        logGroups,
      });

    this.byCallSid = define(
      'by-call-sid',
      'audit records of one call (replace the SID)',
      new QueryString({
        fields: AUDIT_FIELDS,
        filterStatements: [isAudit, `audit.callSid = "${CALL_SID_PLACEHOLDER}"`],
        sort: '@timestamp desc',
        limit: 1000,
      }),
    );
    this.byActor = define(
      'by-actor',
      'audit records by actor',
      new QueryString({
        filterStatements: [isAudit],
        statsStatements: [
          'count(*) as actions, count_distinct(audit.callSid) as calls, max(@timestamp) as lastAction by audit.actor.name, audit.trigger, audit.outcome',
        ],
        sort: 'actions desc',
        limit: 1000,
      }),
    );
    this.refusedActions = define(
      'refused-actions',
      'refused actions',
      new QueryString({
        fields: AUDIT_FIELDS,
        filterStatements: [isAudit, 'audit.outcome = "rejected"'],
        sort: '@timestamp desc',
        limit: 1000,
      }),
    );
    this.cleanupRuns = define(
      'cleanup-runs',
      'cleanup runs and their reports',
      new QueryString({
        fields: [
          '@timestamp',
          'report.scheduleName',
          'report.dryRun',
          'report.found',
          'report.eligible',
          'report.ended',
          'report.wouldEnd',
          'report.alreadyEnded',
          'report.stateChanged',
          'report.failed',
          'report.durationMs',
          '@message',
        ],
        filterStatements: [`message = "${CLEANUP_REPORT_MESSAGE}"`],
        sort: '@timestamp desc',
        limit: 1000,
      }),
    );
  }
}
