import { AUDIT_MESSAGE } from '#commons/calls/audit';

/**
 * Records everything the process writes to stdout and stderr (Powertools Logger, EMF), so a test can assert
 * that a secret never appears in any log line. The lines are kept out of the test report unless
 * `SHOW_LOGS=1` is set (vitest's own console interception does not see Powertools' direct writes).
 */
export const captureOutput = () => {
  const lines: string[] = [];
  const passThrough = process.env.SHOW_LOGS === '1';
  const originals = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const tap =
    (original: typeof process.stdout.write) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (!passThrough) {
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(originals.out) as typeof process.stdout.write;
  process.stderr.write = tap(originals.err) as typeof process.stderr.write;
  return {
    lines,
    /** Parsed JSON log records (Powertools writes one JSON object per line). */
    records: (): Array<Record<string, unknown>> =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    /** The `audit` objects of the audit records written after the first `after` JSON records. */
    audits(after = 0): Array<Record<string, unknown>> {
      return this.records()
        .slice(after)
        .filter((record) => record.message === AUDIT_MESSAGE)
        .map((record) => record.audit as Record<string, unknown>);
    },
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
};
