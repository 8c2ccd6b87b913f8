import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The audit line a refused stdout write hands to stderr is that write's own line: a write that never called back
 * (a stream replaced for a while, as tests replace it) must not leave its line to be sent in a later refused one's
 * place, and a write that calls back refused and then throws sends its line to stderr once.
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
  it('goes to stderr itself, not a line whose write never called back', async () => {
    const { writeAuditLine } = await import('../../functions/commons/platform/log-streams.ts');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    writeAuditLine('swallowed\n');
    write.mockImplementation((_chunk: string | Uint8Array, ...rest: unknown[]) => {
      callbackOf(rest)?.(epipe());
      return false;
    });
    writeAuditLine('refused\n');

    expect(auditLines()).toEqual(['refused\n']);
    expect(stderr[0]).toContain('stdout refused a write');
  });

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
  });
});
