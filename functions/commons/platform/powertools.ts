import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage, LogLevel } from '@aws-lambda-powertools/logger/types';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import { AUDIT_MESSAGE } from '../calls/audit.ts';
import { CallControlMetrics } from './emf-metrics.ts';
import { concurrentInvocations, initStore } from './invoke-store.ts';
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
 * (`addContext`, once per invocation, which also reads the new trace id), the keys and the log level. It is
 * not used where that state is not the instance's own: concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`,
 * where Powertools keeps it per invocation), a `TZ` other than UTC, and pretty-printed lines (`POWERTOOLS_DEV`).
 */
export class CallControlLogger extends Logger {
  readonly #plainAudit = !isDevMode();
  readonly #templated =
    this.#plainAudit && !concurrentInvocations() && (!process.env.TZ || process.env.TZ.includes('UTC'));
  /** The audit line around its timestamp and record, or `null` when audit lines are below the level. */
  #template: readonly [head: string, middle: string, tail: string] | null | undefined;

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
    const [head, middle, tail] = this.#template;
    process.stdout.write(
      `${head}${new Date().toISOString()}${middle}${JSON.stringify(attributes.audit)}${tail}`,
    );
  }

  /** Powertools' own audit line with markers, cut at them; `null` below INFO. */
  #renderTemplate(): readonly [string, string, string] | null {
    if (this.level > INFO_THRESHOLD) return null;
    const item = this.createAndPopulateLogItem(INFO_THRESHOLD, AUDIT_MESSAGE, [{ audit: RECORD_MARK }]);
    item.prepareForPrint();
    // The item is this render's own: its fields are marked in place (same keys, same order), not copied.
    const fields = item.getAttributes();
    fields.timestamp = TIME_MARK;
    fields.audit = RECORD_MARK;
    const [head, rest = ''] = JSON.stringify(fields).split(JSON.stringify(TIME_MARK));
    const [middle, tail = ''] = rest.split(JSON.stringify(RECORD_MARK));
    return [`${head}"`, `"${middle}`, `${tail}\n`];
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    // Powertools' constructor prints before this class's fields exist (its sampling DEBUG line): its own way.
    if (!(#plainAudit in this) || !this.#plainAudit || log.getAttributes().message !== AUDIT_MESSAGE) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    process.stdout.write(`${JSON.stringify(log.getAttributes())}\n`);
  }

  // Every change of what an audit line carries drops the template (Powertools' state stays the one truth).
  // Powertools' constructor itself calls some of these before this class's fields exist (`persistentKeys`, and
  // `setLogLevel('DEBUG')` when POWERTOOLS_LOGGER_SAMPLE_RATE samples the environment in), so each one checks
  // that the field is there first: writing a private field that does not exist yet throws, failing the import.
  override addContext(context: Parameters<Logger['addContext']>[0]): void {
    super.addContext(context);
    if (#template in this) this.#template = undefined;
  }
  override appendKeys(attributes: LogKeys): void {
    super.appendKeys(attributes);
    if (#template in this) this.#template = undefined;
  }
  override appendPersistentKeys(attributes: LogKeys): void {
    super.appendPersistentKeys(attributes);
    if (#template in this) this.#template = undefined;
  }
  override removeKeys(keys: string[]): void {
    super.removeKeys(keys);
    if (#template in this) this.#template = undefined;
  }
  override removePersistentKeys(keys: string[]): void {
    super.removePersistentKeys(keys);
    if (#template in this) this.#template = undefined;
  }
  override resetKeys(): void {
    super.resetKeys();
    if (#template in this) this.#template = undefined;
  }
  override setLogLevel(logLevel: LogLevel): void {
    super.setLogLevel(logLevel);
    if (#template in this) this.#template = undefined;
  }
}

/** Markers no audit line holds, replaced by the timestamp and the record. */
const TIME_MARK = '\u0000call-control-audit-time\u0000';
const RECORD_MARK = '\u0000call-control-audit-record\u0000';

const isAuditAttributes = (value: unknown): value is { audit: unknown } =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'audit' in value;

/**
 * The one structured JSON logger of a function. Built outside any context even under concurrent invocations:
 * Powertools' Logger reads no per-invocation state at construction, and a level it set inside a context would be
 * that context's only.
 */
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

const buildMetrics = () =>
  new CallControlMetrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    logger: metricsLogger(logger),
    ...(instance ? { defaultDimensions: { [METRICS_INSTANCE_DIMENSION]: instance } } : {}),
  });

/**
 * CloudWatch metrics through EMF (flushed by the `logMetrics` middleware; `emf-metrics.ts`). Under concurrent
 * invocations built in an init context of its own (invoke-store.ts): Powertools' constructor reads the current
 * invocation's dimensions.
 */
export const metrics = initStore ? initStore.run({}, buildMetrics) : buildMetrics();
