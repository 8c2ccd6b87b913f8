import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AUDIT_MESSAGE } from '../calls/audit.ts';
import { DEFAULT_METRICS_NAMESPACE } from './metric-names.ts';

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

/** CloudWatch metrics through EMF (flushed by the `logMetrics` middleware). */
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
});
