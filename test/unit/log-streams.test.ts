import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * A stdout write that calls back refused and then throws (a replaced stream) sends its audit line to stderr once,
 * after the one notice, and every later line follows it there.
 */

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
type Callback = (error?: Error | null) => void;
const callbackOf = (rest: unknown[]) => rest.find((arg) => typeof arg === 'function') as Callback | undefined;

let stderr: string[] = [];
beforeEach(() => {
  vi.resetModules();
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.stdout.removeAllListeners('error');
  process.stderr.removeAllListeners('error');
});

const auditLines = () => stderr.filter((line) => !line.includes('stdout refused a write'));

describe('an audit line stdout refuses', () => {
  it('goes to stderr once when the write calls back refused and then throws', async () => {
    const { writeAuditLine } = await import('../../functions/commons/platform/log-streams.ts');
    vi.spyOn(process.stdout, 'write').mockImplementation(
      (_chunk: string | Uint8Array, ...rest: unknown[]) => {
        callbackOf(rest)?.(epipe());
        throw epipe();
      },
    );
    writeAuditLine('refused\n');
    writeAuditLine('later\n');

    expect(auditLines()).toEqual(['refused\n', 'later\n']);
    expect(stderr[0]).toContain('stdout refused a write');
  });
});
