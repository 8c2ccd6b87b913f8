import { describe, expect, it } from 'vitest';
import { cliErrorOf } from '../../cli/core/api-errors.ts';
import { callCheck, forCall, hintText } from '../../cli/core/errors.ts';

const command = (args: string): string => `call-control ${args} --local`;
const SID = 'CA0123456789abcdef0123456789abcdef';
const CODES = [
  'API_GATEWAY_ERROR',
  'UPSTREAM_TIMEOUT',
  'REDIRECT_OUTCOME_UNKNOWN',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_AUTH_FAILED',
];

/** The lines a hint offers to copy: its backticked spans. */
const linesOf = (hint: string | undefined): string[] => hint?.match(/`[^`]*`/g) ?? [];

describe('a hint line to copy', () => {
  it('never holds a `<sid>` placeholder (pasted into a shell, a redirect from a file named sid)', () => {
    for (const code of CODES)
      for (const change of [true, false]) {
        const hint = hintText(cliErrorOf({ code, message: 'm', change }).hint, command);
        for (const line of linesOf(hint)) expect(line, `${code} ${change}`).not.toMatch(/[<>]/);
      }
  });

  it('names the call when it is known, as the line to type', () => {
    const hint = hintText(
      cliErrorOf({ code: 'API_GATEWAY_ERROR', message: 'm', change: true }).hint,
      forCall(command, SID),
    );
    expect(hint).toContain(`\`call-control calls get ${SID} --local\` shows the call before you retry`);
  });

  it('says it in words when the call is not known', () => {
    expect(callCheck(command)).toBe("`calls get` with the call's SID");
    expect(callCheck(forCall(command, SID))).toBe(`\`call-control calls get ${SID} --local\``);
  });
});
