import { getXRayTraceIdFromEnv } from '@aws-lambda-powertools/commons/utils/env';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage, LogLevel } from '@aws-lambda-powertools/logger/types';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import { AUDIT_MESSAGE } from '../calls/audit.ts';
import { CallControlMetrics, isTruthy } from './emf-metrics.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  EMPTY_METRICS_WARNING_PREFIX,
  METRICS_INSTANCE_DIMENSION,
} from './metric-names.ts';
import { ENV } from './settings.ts';

/** Service name shared by logs and metrics; functions override it through POWERTOOLS_SERVICE_NAME. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';

type LogKeys = Parameters<Logger['appendKeys']>[0];

/** Powertools' threshold of INFO (`LogLevelThreshold.INFO`): an audit line is written at or above it. */
const INFO_THRESHOLD = 12;

/**
 * Powertools' Logger, with one line written leaner: the audit line (one per ended call, the hot path of a
 * cleanup). Powertools builds every line from scratch: it reads `process.env` several times (trace id twice,
 * `TZ`, the concurrency switch of each store), merges the keys, and serialises through a replacer that visits
 * each key. An audit line is built from a template instead: Powertools itself renders it once, with a marker for
 * the timestamp and for the record, and every line is then the template's text around `toISOString()` and
 * `JSON.stringify(record)` (an AuditRecord is strings, numbers and string maps: native JSON is the same text).
 * The template is rendered again whenever Powertools' state that feeds it changes: the invocation context
 * (`addContext`, once per invocation, which also reads the new trace id), the keys and the log level. A warm
 * invocation of the same function keeps it: its request id and trace id are marked in the template too, filled
 * from the context `addContext` was given and the trace id read then (Powertools' own reader), so an HTTP
 * request's one audit line no longer pays for a render; a change of anything else in the context, the cold
 * start, or a context key appended by the caller renders it again. It is not used where that state is not the instance's own: concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`,
 * where Powertools keeps it per invocation), a `TZ` other than UTC, and pretty-printed lines (`POWERTOOLS_DEV`).
 */
export class CallControlLogger extends Logger {
  readonly #plainAudit = !isTruthy(process.env.POWERTOOLS_DEV);
  readonly #templated =
    this.#plainAudit &&
    !process.env.AWS_LAMBDA_MAX_CONCURRENCY &&
    (!process.env.TZ || process.env.TZ.includes('UTC'));
  /** The audit line cut at its marks, or `null` when audit lines are below the level. */
  #template: Template | null | undefined;
  /** The invocation's function as `addContext` was given it, all but the request id. */
  #function: string | undefined;
  /** The invocation's request id and trace id as JSON (the trace id `undefined` when there is none). */
  #requestJson = '';
  #traceJson: string | undefined;
  /** Whether the caller appended a key of the context's name: then every template is its invocation's own. */
  #contextShadowed = false;
  /** Whether temporary keys may be held: only then does `resetKeys` change the line. */
  #temporaryKeys = false;

  override info(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    const attributes = extraInput[0];
    if (
      input !== AUDIT_MESSAGE ||
      !this.#templated ||
      extraInput.length !== 1 ||
      !isAuditAttributes(attributes)
    ) {
      super.info(input, ...extraInput);
      return;
    }
    this.#template ??= this.#renderTemplate();
    if (this.#template === null) return;
    const { parts, marked } = this.#template;
    if (parts === undefined) {
      super.info(input, ...extraInput);
      return;
    }
    const time = new Date().toISOString();
    const record = JSON.stringify(attributes.audit);
    process.stdout.write(
      marked
        ? `${parts[0]}"${time}"${parts[1]}${this.#requestJson}${parts[2]}${this.#traceJson ?? ''}${parts[3]}${record}${parts[4]}`
        : `${parts[0]}"${time}"${parts[1]}${record}${parts[2]}`,
    );
  }

  /**
   * Powertools' own audit line with marks, cut at them; `null` below INFO. The request id and trace id are
   * marked (`marked`: the template outlives the invocation) only after the cold start and where the line holds
   * exactly the context's own; `parts` is `undefined` where a mark cannot be cut out (Powertools writes).
   */
  #renderTemplate(): Template | null {
    if (this.level > INFO_THRESHOLD) return null;
    const item = this.createAndPopulateLogItem(INFO_THRESHOLD, AUDIT_MESSAGE, [{ audit: RECORD_MARK }]);
    item.prepareForPrint();
    const fields: Record<string, unknown> = {
      ...item.getAttributes(),
      timestamp: TIME_MARK,
      audit: RECORD_MARK,
    };
    const traced = this.#traceJson !== undefined;
    const marked =
      this.#function !== undefined &&
      !this.#contextShadowed &&
      !Object.keys(this.getPersistentLogAttributes()).some((key) => CONTEXT_KEYS.has(key)) &&
      fields.cold_start === false &&
      JSON.stringify(fields.function_request_id) === this.#requestJson &&
      JSON.stringify(fields.xray_trace_id) === this.#traceJson;
    if (marked) {
      fields.function_request_id = REQUEST_MARK;
      if (traced) fields.xray_trace_id = TRACE_MARK;
    }
    const marks = marked ? [TIME_MARK, REQUEST_MARK, TRACE_MARK, RECORD_MARK] : [TIME_MARK, RECORD_MARK];
    let rest = JSON.stringify(fields);
    const parts: string[] = [];
    for (const mark of marks) {
      // An untraced line has no trace id: nothing lies between the request id and it.
      if (mark === TRACE_MARK && !traced) {
        parts.push('');
        continue;
      }
      const cut = rest.split(JSON.stringify(mark));
      if (cut.length !== 2) return { parts: undefined, marked: false, traced };
      parts.push(cut[0] as string);
      rest = cut[1] as string;
    }
    parts.push(`${rest}\n`);
    return { parts, marked, traced };
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#plainAudit || log.getAttributes().message !== AUDIT_MESSAGE) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    process.stdout.write(`${JSON.stringify(log.getAttributes())}\n`);
  }

  /**
   * A new invocation keeps a marked template when only its request id and trace id changed (the same function,
   * traced as before); anything else renders it again. A marked template says `cold_start: false`, and once
   * Powertools has said so every later invocation is warm too (it reports the cold start once).
   */
  override addContext(context: Parameters<Logger['addContext']>[0]): void {
    super.addContext(context);
    const fn = JSON.stringify([
      context.invokedFunctionArn,
      context.memoryLimitInMB,
      context.functionName,
      context.functionVersion,
      (context as { tenantId?: unknown }).tenantId,
    ]);
    const trace = getXRayTraceIdFromEnv();
    const keep =
      this.#template === null ||
      (this.#template?.marked === true &&
        fn === this.#function &&
        typeof context.awsRequestId === 'string' &&
        this.#template.traced === (trace !== undefined));
    this.#function = fn;
    this.#requestJson = JSON.stringify(context.awsRequestId) ?? '';
    this.#traceJson = trace === undefined ? undefined : JSON.stringify(trace);
    if (!keep) this.#template = undefined;
  }
  // Every other change of what an audit line carries drops the template (Powertools' state stays the one truth).
  override appendKeys(attributes: LogKeys): void {
    super.appendKeys(attributes);
    this.#noteKeys(attributes);
    this.#temporaryKeys = true;
  }
  override appendPersistentKeys(attributes: LogKeys): void {
    super.appendPersistentKeys(attributes);
    // Powertools' constructor appends the `persistentKeys` option before this class's members exist: the
    // template's render reads those from Powertools itself.
    if (#template in this) this.#noteKeys(attributes);
  }
  #noteKeys(attributes: LogKeys): void {
    if (Object.keys(attributes).some((key) => CONTEXT_KEYS.has(key))) this.#contextShadowed = true;
    this.#template = undefined;
  }
  override removeKeys(keys: string[]): void {
    super.removeKeys(keys);
    this.#template = undefined;
  }
  override removePersistentKeys(keys: string[]): void {
    super.removePersistentKeys(keys);
    this.#template = undefined;
  }
  override resetKeys(): void {
    super.resetKeys();
    if (this.#temporaryKeys) this.#template = undefined;
    this.#temporaryKeys = false;
  }
  override setLogLevel(logLevel: LogLevel): void {
    const before = this.level;
    super.setLogLevel(logLevel);
    if (this.level !== before) this.#template = undefined;
  }
}

/** An audit line around its marks (`parts` one longer than the marks), and what it was cut for. */
interface Template {
  readonly parts: readonly string[] | undefined;
  /** Cut at the request id and trace id too: it serves every warm invocation of the same function. */
  readonly marked: boolean;
  readonly traced: boolean;
}

/** The line's keys that Powertools fills from the invocation's context (a caller's key of the name hides them). */
const CONTEXT_KEYS = new Set([
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'xray_trace_id',
  'tenant_id',
]);

/** Markers no audit line holds, replaced by the timestamp, the request id, the trace id and the record. */
const TIME_MARK = '\u0000call-control-audit-time\u0000';
const REQUEST_MARK = '\u0000call-control-audit-request\u0000';
const TRACE_MARK = '\u0000call-control-audit-trace\u0000';
const RECORD_MARK = '\u0000call-control-audit-record\u0000';

const isAuditAttributes = (value: unknown): value is { audit: unknown } =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'audit' in value;

/** The one structured JSON logger of a function. */
export const logger = new CallControlLogger({ serviceName });

type MetricsLogger = NonNullable<MetricsOptions['logger']>;

/**
 * What Metrics says goes through the function's own logger, with one change: "No application metrics to
 * publish" is a DEBUG line, not a WARN. Most invocations have nothing to count (a GET, a refused request, a
 * local run), so the warning said nothing but filled every log; `POWERTOOLS_LOG_LEVEL=DEBUG` still shows it.
 */
export const metricsLogger = (target: MetricsLogger): MetricsLogger => ({
  debug: (...content) => target.debug(...content),
  info: (...content) => target.info(...content),
  error: (...content) => target.error(...content),
  warn: (...content) =>
    typeof content[0] === 'string' && content[0].startsWith(EMPTY_METRICS_WARNING_PREFIX)
      ? target.debug(...content)
      : target.warn(...content),
});

/**
 * The construct instance the metrics belong to (`CALL_CONTROL_METRICS_INSTANCE`, set by the construct): a
 * dimension of every metric, so two `CallControl`s in one account and region never feed each other's alarms.
 */
const instance = process.env[ENV.metricsInstance]?.trim();

/** CloudWatch metrics through EMF (flushed by the `logMetrics` middleware; `emf-metrics.ts`). */
export const metrics = new CallControlMetrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
  logger: metricsLogger(logger),
  ...(instance ? { defaultDimensions: { [METRICS_INSTANCE_DIMENSION]: instance } } : {}),
});
