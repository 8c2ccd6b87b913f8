import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import { AUDIT_MESSAGE } from '../calls/audit.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  EMPTY_METRICS_WARNING_PREFIX,
  METRICS_INSTANCE_DIMENSION,
} from './metric-names.ts';
import { ENV } from './settings.ts';

/** Service name shared by logs and metrics; functions override it through POWERTOOLS_SERVICE_NAME. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';

/**
 * Powertools' Logger, with one line written leaner: the audit line (one per ended call, the hot path of a
 * cleanup). Powertools serialises every line through a replacer that visits each key (for errors, bigints and
 * cycles); an audit line holds none of those (AuditRecord is strings, numbers and string maps, the
 * Powertools fields strings, numbers and booleans), so it is serialised natively, the same JSON, written to
 * stdout as Powertools' console writes it. Pretty-printed lines (`POWERTOOLS_DEV`) keep Powertools' path.
 */
export class CallControlLogger extends Logger {
  readonly #plainAudit = !isTruthy(process.env.POWERTOOLS_DEV);

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#plainAudit || log.getAttributes().message !== AUDIT_MESSAGE) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    process.stdout.write(`${JSON.stringify(log.getAttributes())}\n`);
  }
}

/** Powertools' reading of a boolean variable (`isDevMode`): 1, y, yes, t, true, on, any case. */
function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'y', 'yes', 't', 'true', 'on'].includes(value.trim().toLowerCase());
}

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

/** CloudWatch metrics through EMF (flushed by the `logMetrics` middleware). */
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
  logger: metricsLogger(logger),
  ...(instance ? { defaultDimensions: { [METRICS_INSTANCE_DIMENSION]: instance } } : {}),
});
