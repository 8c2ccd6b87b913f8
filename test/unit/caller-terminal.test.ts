import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
// Not imported from test/support/caller-terminal.ts: importing it would clear them, whatever the configs say.
const CALLER_TERMINAL = ['COLUMNS', 'LINES', 'NO_COLOR', 'FORCE_COLOR', 'TERM'];

describe('the caller’s terminal settings reach no test', () => {
  it('leaves none of COLUMNS, LINES, NO_COLOR, FORCE_COLOR, TERM in the environment a test and its children get', () => {
    for (const name of CALLER_TERMINAL) expect(process.env[name], name).toBeUndefined();
  });

  it.each(['vitest.config.ts', 'vitest.mutation.config.ts'])(
    '%s clears them before every test file',
    (file) => {
      expect(readFileSync(join(ROOT, file), 'utf8')).toContain(
        `setupFiles: ['test/support/caller-terminal.ts']`,
      );
    },
  );
});
