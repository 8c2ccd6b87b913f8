import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, hintText } from '../../cli/core/errors.ts';
import { localStateDir, readLocalState } from '../../cli/core/local-state.ts';

const VARIABLE = 'CALL_CONTROL_LOCAL_STATE_DIR';
const before = process.env[VARIABLE];
afterEach(() => {
  if (before === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = before;
});

describe('CALL_CONTROL_LOCAL_STATE_DIR', () => {
  it('counts as unset when empty, never as the folder the command was run from', () => {
    delete process.env[VARIABLE];
    const unset = localStateDir(3001);
    process.env[VARIABLE] = '';
    expect(localStateDir(3001)).toBe(unset);
    expect(unset).not.toBe('');
  });

  it('is quoted in the line to type when it names a folder without a stack', () => {
    const parent = mkdtempSync(join(tmpdir(), 'state dir;'));
    try {
      process.env[VARIABLE] = join(parent, 'a b');
      const error = (() => {
        try {
          readLocalState(3001);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(CliError);
      expect(hintText((error as CliError).hint, (args) => args)).toContain(
        `\`${VARIABLE}='${join(parent, 'a b')}' npm start\``,
      );
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
